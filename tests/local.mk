# tests/: C unit tests run by `make check`; bats suites run by tests/run.sh.
