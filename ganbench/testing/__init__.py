"""Reusable contract tests: every loss, schedule, dataset (and metric) must pass them.

The project's own tests call these functions parametrised over the registry, so a component dropped
into ``registry/`` is tested with no edit to the tests. Third-party plugin packages can call the
same functions from their own test suites.
"""
