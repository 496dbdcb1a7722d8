"""The app's code, deployed with ``app.py`` (Chalice packages this folder whole). A request
goes ``api`` (parse, authorise) → ``services`` (the use cases) → ``domain`` (pure rules) and
``store`` (DynamoDB, S3: every key and boto3 client); ``jobs`` are the schedules and queue
consumers, ``mail`` the pure inbound-mail layer, ``notify`` the messages out, ``identity``
Cognito and token checks. ``config``, ``logs`` and ``signing`` serve them all."""
