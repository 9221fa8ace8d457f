"""Mechanisms the domain packages share and that know nothing of consent or campaigns:
group commit, RQ job registration and liveness, counters in Redis."""
