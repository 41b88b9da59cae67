"""A report opens with what its spec says about itself: ``description`` and ``notes`` of the spec an
invocation logged, with the invocation's profile applied."""

from ganbench.report.provenance import spec_about

SPEC = """
name: faces
description: >
  Two losses
  on faces.
notes: On the CPU, 2,000 updates cannot rank converged quality.
profiles:
  cuda:
    notes: On a GPU, 20,000 updates.
"""


def test_description_and_notes_as_paragraphs():
    assert spec_about(SPEC) == [
        "Two losses on faces.",
        "On the CPU, 2,000 updates cannot rank converged quality.",
    ]


def test_the_invocations_profile_speaks():
    assert spec_about(SPEC, "cuda") == ["Two losses on faces.", "On a GPU, 20,000 updates."]


def test_text_that_is_not_a_spec_says_nothing():
    assert spec_about("name: [") == [] and spec_about("- a list") == [] and spec_about("name: x") == []
    assert spec_about(SPEC, float("nan")) == spec_about(SPEC)  # no profile recorded
