"""The tests, by layer: unit (pure, no AWS), integration (moto and DynamoDB Local), e2e
(a running local stack and a browser); fixtures holds the mail corpus."""
