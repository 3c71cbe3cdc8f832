"""On-call: carrying out /oncall, paging people, escalation steps, source alerts and reports."""
