"""Execution environments: where a function's handler runs.

- base.py: the ExecutionEnvironment protocol, the runner for an isolation setting, the
  pool of a function's environments;
- inline.py: environments inside the test process; process/: environments in worker
  processes forked from a fork server; shared.py: what both do alike.

This layer sits above the core (config, runtime, session) and below the function layer;
it imports nothing above it. What the layers above need in a worker (the AWS layer's
guard) arrives as the session's worker hooks.
"""
