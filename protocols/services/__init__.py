"""Every write about protocols: observer copies, cross-check flags, reviewers' decisions.

One module per purpose, each importing only those below it (rules, states <- checks <- copies,
review, tabulation; sources and publication stand alone); callers keep `from protocols import
services` and `services.submit_copy(...)`:

- `rules`: an election's rules as plain data for the cross-check, figures cleaned by them;
- `states`: the states of a flag and the one table of their moves;
- `checks`: the cross-check, the marks of changed inputs, the sweep;
- `copies`: observer copies of a station's protocol;
- `review`: reviewers' decisions;
- `tabulation`: commission summary protocols checked against their stations;
- `sources`: result sources (mappings of official files) as data;
- `publication`: protocol photos on the public transparency page.
"""

from .checks import (
    CHECK_BATCH,
    SWEEP_GRACE,
    check_stations,
    mark_inputs_changed,
    send_tabulation_checks,
    stations_due_for_check,
    sweep,
    without_cycle_collection,
)
from .copies import STORE_ATTEMPTS, copy_photos, relations_as_data, submit_copy
from .publication import decide_photo_publication, may_publish_photo
from .review import DECISIONS, decide, ensure_reviewer, latest_check_time
from .rules import MAX_FIGURE, election_rules
from .sources import RESULT_SOURCE_FIELDS, save_result_source
from .states import STATUS_TRANSITIONS, Status
from .tabulation import check_tabulation, flag_changed_summaries, station_sums, submit_commission_protocol

__all__ = [
    "CHECK_BATCH",
    "DECISIONS",
    "MAX_FIGURE",
    "RESULT_SOURCE_FIELDS",
    "STATUS_TRANSITIONS",
    "STORE_ATTEMPTS",
    "SWEEP_GRACE",
    "Status",
    "check_stations",
    "check_tabulation",
    "copy_photos",
    "decide",
    "decide_photo_publication",
    "election_rules",
    "ensure_reviewer",
    "flag_changed_summaries",
    "latest_check_time",
    "mark_inputs_changed",
    "may_publish_photo",
    "relations_as_data",
    "save_result_source",
    "send_tabulation_checks",
    "station_sums",
    "stations_due_for_check",
    "submit_commission_protocol",
    "submit_copy",
    "sweep",
    "without_cycle_collection",
]
