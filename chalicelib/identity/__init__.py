"""Who the caller is, through Amazon Cognito: ``cognito`` signs in, refreshes, resets
passwords and administers users (the adapter for Cognito's API); ``tokens`` verifies an ID
token against the pool's JWKS; ``verifier`` holds the process's one verifier, made on
first use. What a user may do is the directory's (``services/directory.load_principal``).

Nothing is imported here: the routing imports the verifier on the first request that
needs a caller, not at the cold start.
"""
