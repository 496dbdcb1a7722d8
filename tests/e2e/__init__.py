"""HTTP and browser tests against a local stack started as a process (stack.py,
browser.py); the run shares one stack, tests that restart or kill one start their own."""
