"""observatory_invariants.harness: the seed's four proof paths as helpers, on data shaped like the seed's."""

import pytest

from observatory_invariants.harness import counter_exposed, events_carry_job_id, job_accepted, job_completed

ACCEPTED = {"$schema": "https://json-schema.org/draft/2020-12/schema", "$id": "https://example.test/job-accepted.json",
            "type": "object", "required": ["jobId", "eventId"],
            "properties": {"jobId": {"type": "string", "format": "uuid"}, "eventId": {"type": "string"}}}
JOB = "7d1f3c1e-2f0a-4e9c-9d52-0c6c9b7f4a10"


def test_p1_status_and_schema():
    assert job_accepted(201, {"jobId": JOB, "eventId": "e1"}, ACCEPTED)
    wrong_status = job_accepted(200, {"jobId": JOB, "eventId": "e1"}, ACCEPTED)
    assert not wrong_status and "HTTP 200, expected 201" in wrong_status.detail
    invalid = job_accepted(201, {"jobId": 7}, ACCEPTED)
    assert not invalid and "not valid" in invalid.detail and str(invalid).startswith("FAIL")
    assert not job_accepted(201, {}, {"type": "nonsense"})


def test_p2_events_carry_the_job_id_in_envelope_or_payload():
    events = [{"eventId": "a", "type": "job.created", "payload": {"jobId": "other"}},
              {"eventId": "b", "type": "job.completed", "payload": {"job": {"jobId": JOB}}}]
    assert events_carry_job_id(events, JOB)
    assert not events_carry_job_id(events[:1], JOB)
    assert events_carry_job_id([{"job_id": JOB}], JOB) and not events_carry_job_id([{"id": JOB}], JOB)


def test_p3_job_completed():
    jobs = [{"id": "x", "status": "COMPLETED"}, {"id": JOB, "status": "RUNNING"}]
    running = job_completed(jobs, JOB)
    assert not running and "RUNNING" in running.detail
    assert job_completed(jobs + [{"id": JOB, "status": "COMPLETED"}], JOB)
    assert "not among" in job_completed([], JOB).detail


EXPOSITION = """\
# HELP gateway_jobs_submitted_total Jobs submitted.
# TYPE gateway_jobs_submitted_total counter
gateway_jobs_submitted_total{type="integration-test"} 3
gateway_jobs_submitted_created{type="integration-test"} 1.7e+09
# HELP gateway_queue_depth Queue depth.
# TYPE gateway_queue_depth gauge
gateway_queue_depth 0
# a comment that mentions gateway_jobs_failed_total 1
"""


def test_p4_counter_parsed_not_grepped():
    pytest.importorskip("prometheus_client")
    assert counter_exposed(EXPOSITION, "gateway_jobs_submitted_total")
    assert counter_exposed(EXPOSITION, "gateway_jobs_submitted")
    gauge = counter_exposed(EXPOSITION, "gateway_queue_depth")
    assert not gauge and "gauge" in gauge.detail
    assert not counter_exposed(EXPOSITION, "gateway_jobs_failed_total")   # only in a comment: a regex would pass
    assert not counter_exposed("this is { not prometheus", "x_total")
