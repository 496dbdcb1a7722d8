"""Pure tests: domain rules, parsing, templates, the template check; no AWS, moto,
DynamoDB Local or network (`make unit`)."""
