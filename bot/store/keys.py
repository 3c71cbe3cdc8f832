"""Redis key names in one place. The shared hash tag keeps multi-key scripts Cluster-safe."""

from __future__ import annotations

PREFIX = "{earshot}"

INBOX = f"{PREFIX}:inbox"  # stream of mentions waiting for a card
DEAD = f"{PREFIX}:dead"  # stream of items that can never be delivered (malformed)
DELIVER_GROUP = "deliver"
METRICS = f"{PREFIX}:metrics"
HEALTH = f"{PREFIX}:health"
WORKERS = f"{PREFIX}:workers"  # zset: worker consumer name -> its last heartbeat (epoch seconds)
FENCE = f"{PREFIX}:fence"  # counter behind the fencing tokens of delivery locks
SOURCE_ALERTS = f"{PREFIX}:source-alerts"  # set of the sources whose alert is open


def seen(post_id: str) -> str:
    return f"{PREFIX}:seen:{post_id}"


def checkpoint(source: str) -> str:
    return f"{PREFIX}:checkpoint:{source}"


def lease(source: str) -> str:
    return f"{PREFIX}:lease:{source}"


def case(post_id: str) -> str:
    return f"{PREFIX}:case:{post_id}"


def intent(post_id: str) -> str:
    return f"{PREFIX}:intent:{post_id}"


def delivery_lock(post_id: str) -> str:
    return f"{PREFIX}:lock:{post_id}"


def worker_alive(consumer: str) -> str:
    return f"{PREFIX}:alive:{consumer}"


def delivery_attempts(entry_id: str) -> str:
    """Failed delivery attempts of one inbox entry and when the next one is due."""
    return f"{PREFIX}:attempts:{entry_id}"


def channel_pace(channel: str) -> str:
    return f"{PREFIX}:pace:{channel}"


def channel_down(channel: str) -> str:
    return f"{PREFIX}:down:{channel}"


def card_index(channel: str, ts: str) -> str:
    """channel + message ts -> post id: finds the case from a message in the card's thread."""
    return f"{PREFIX}:card:{channel}:{ts}"


def group(channel: str, ts: str) -> str:
    """A group message (several cases in one, while the channel was busy) -> its post ids."""
    return f"{PREFIX}:group:{channel}:{ts}"


def group_lock(channel: str, ts: str) -> str:
    """Held while a group message is re-rendered, so two updates never undo each other."""
    return f"{PREFIX}:group-lock:{channel}:{ts}"


def own_card_intent(post_id: str) -> str:
    """A grouped case's own card is being posted (found again after a crash, never twice)."""
    return f"{PREFIX}:own-card:{post_id}"


def own_card_lock(post_id: str) -> str:
    return f"{PREFIX}:own-card-lock:{post_id}"


def thread_of(post_id: str) -> str:
    """Post id -> the case whose conversation it is part of (the case's post, a customer's
    follow-up, one of our replies): a reply to any of them threads into that case."""
    return f"{PREFIX}:thread-of:{post_id}"


def conversation(conversation_id: str, author_id: str) -> str:
    """X conversation id + author -> that author's case in the conversation."""
    return f"{PREFIX}:conversation:{conversation_id}:{author_id}"


def followup(post_id: str) -> str:
    """A follow-up post threaded into a case: the case, the thread message, the post."""
    return f"{PREFIX}:followup:{post_id}"


def author_cases(author_id: str) -> str:
    """Zset: the author's case ids -> when each case's post was made (their history)."""
    return f"{PREFIX}:author:{author_id}:cases"


def author_handle(handle: str) -> str:
    """Casefolded @handle -> the author id (for `/earshot customer @handle`)."""
    return f"{PREFIX}:handle:{handle.casefold()}"


def in_doubt(post_id: str) -> str:
    """A reply to the post whose outcome X never told us (timeout, dropped connection): held
    until the own-timeline poll settles it; no other reply to the post is sent meanwhile."""
    return f"{PREFIX}:doubt:{post_id}"


IN_DOUBT = f"{PREFIX}:doubt"  # zset: post ids with a reply in doubt -> when it was sent


def dm_send(post_id: str, draft_hash: str) -> str:
    """Idempotency record of one direct message of one case."""
    return f"{PREFIX}:dm:send:{post_id}:{draft_hash}"


def dm_case(author_id: str) -> str:
    """X user id -> the case their direct messages belong to (set by Move to DM)."""
    return f"{PREFIX}:dm:case:{author_id}"


def dm_log(post_id: str) -> str:
    """List of the case's direct messages (JSON: at, who, text), kept DM_RETENTION_DAYS."""
    return f"{PREFIX}:dm:log:{post_id}"


def dm_message(channel: str, ts: str) -> str:
    """Marks a Slack message that shows a direct message: never a draft for a public reply."""
    return f"{PREFIX}:dm:msg:{channel}:{ts}"


def dm_usage(day: str) -> str:
    """Hash of one UTC day's DM events read and DMs sent (the cost estimate)."""
    return f"{PREFIX}:dm:usage:{day}"


def claim(post_id: str) -> str:
    return f"{PREFIX}:claim:{post_id}"


def replies(post_id: str) -> str:
    """Texts already sent as replies to the post (refuses an identical second reply)."""
    return f"{PREFIX}:replies:{post_id}"


def send_key(post_id: str, draft_hash: str) -> str:
    """Idempotency record of one draft for one post."""
    return f"{PREFIX}:send:{post_id}:{draft_hash}"


def sending(post_id: str) -> str:
    """Held while a reply to the post is in flight: one send per case at a time."""
    return f"{PREFIX}:sending:{post_id}"


def draft(post_id: str, user: str) -> str:
    return f"{PREFIX}:draft:{post_id}:{user}"


def audit(post_id: str) -> str:
    return f"{PREFIX}:audit:{post_id}"


REVOKED_RIGHTS = f"{PREFIX}:x:revoked"  # X rights a 403 showed the account lacks

# On-call, business hours, SLA clocks and timers (issue 6).
TIMERS = f"{PREFIX}:timers"  # sorted set: timer member -> due time (epoch seconds)
TIMERS_INFLIGHT = f"{PREFIX}:timers:inflight"  # claimed timers -> lease expiry
ROTATIONS = f"{PREFIX}:oncall:rotations"  # hash: team -> rotation JSON
ONCALL_ANNOUNCED = f"{PREFIX}:oncall:announced"  # hash: team -> who the last handoff named
OFFICE = f"{PREFIX}:oncall:office"  # hash: hours, sla, policy, autoreply (JSON each)


def sla(post_id: str) -> str:
    """A case's SLA clock: start, deadline, escalation step, first response."""
    return f"{PREFIX}:sla:{post_id}"


def sla_day(day: str) -> str:
    """List of the post ids whose SLA clock started on a UTC day (YYYY-MM-DD), for reports."""
    return f"{PREFIX}:sla:day:{day}"


def last_poll(source: str) -> str:
    return f"{PREFIX}:polled:{source}"


def source_alert(source: str) -> str:
    return f"{PREFIX}:source-alert:{source}"


def post_sources(post_id: str) -> str:
    """Every source (mentions timeline, /track rules) that matched a post: one card lists all."""
    return f"{PREFIX}:sources:{post_id}"


# /track rules (bot/store/tracks.py, bot/store/track_usage.py)
TRACK_IDS = f"{PREFIX}:track:ids"  # zset: rule id -> its number (creation order)
TRACK_SEQ = f"{PREFIX}:track:seq"  # counter behind rule ids; ids are never reused
TRACK_DUE = f"{PREFIX}:track:due"  # zset: rule id -> next poll time (active and erroring only)
TRACK_SIGNATURES = f"{PREFIX}:track:signatures"  # hash: query signature -> rule id
TRACK_BUDGET = f"{PREFIX}:track:budget"  # dollars a month, absent = no cap
TRACK_VIP = f"{PREFIX}:track:vip"  # hash: followers threshold
TRACK_VIP_HANDLES = f"{PREFIX}:track:vip:handles"  # set of casefolded X handles
TRACK_LANG_ROUTES = f"{PREFIX}:track:lang-routes"  # hash: ISO 639-1 code -> channel id
TRACK_HOLD = f"{PREFIX}:track:hold"  # X search rate-limited: no rule polls until this time
TRACK_ADMINS = f"{PREFIX}:track:admins"  # short-lived cache of TRACK_ADMIN_GROUP's members


def track_rule(rule_id: str) -> str:
    return f"{PREFIX}:track:rule:{rule_id}"


def track_hits(rule_id: str) -> str:
    """Zset: post id -> when the rule first matched it (the last 7 days)."""
    return f"{PREFIX}:track:hits:{rule_id}"


# Reply templates (issue 4): one hash of id -> JSON, and the counter that makes new ids.
TEMPLATES = f"{PREFIX}:templates"
TEMPLATE_SEQ = f"{PREFIX}:templates:seq"

# Escalation webhook outbox: due times (sorted set), items (hash of JSON), dead letters (list).
WEBHOOK_DUE = f"{PREFIX}:webhook:due"
WEBHOOK_ITEMS = f"{PREFIX}:webhook:items"
WEBHOOK_DEAD = f"{PREFIX}:webhook:dead"
WEBHOOK_SEQ = f"{PREFIX}:webhook:seq"
AI_QUEUE = f"{PREFIX}:ai:queue"  # list: post ids of new cards waiting for the AI helper


# -- Spike detection (bot/store/spikes.py, bot/pipeline/spikes.py) ---------------------------
# A scope is an ingest source name ("x:mentions", "track:t3"). Every key below expires.
SPIKE_ACTIVE = f"{PREFIX}:spike:active"  # zset: scope -> when it last recorded mentions
SPIKE_SENSITIVITY = f"{PREFIX}:spike:sensitivity"  # hash: scope -> low|normal|high|off


def spike_minute(scope: str, minute: int) -> str:
    """HyperLogLog of the post ids of one scope created in one minute (epoch minutes)."""
    return f"{PREFIX}:spike:min:{scope}:{minute}"


def spike_words(scope: str, minute: int) -> str:
    """Zset: word -> how many of the minute's posts used it (capped to the most used)."""
    return f"{PREFIX}:spike:words:{scope}:{minute}"


def spike_samples(scope: str) -> str:
    """Zset: the scope's most recent post ids -> when each was made (a few, for the alert)."""
    return f"{PREFIX}:spike:samples:{scope}"


def spike_meta(scope: str) -> str:
    """Hash: `first` (when the scope first recorded), `rolled` (last hour folded into hours)."""
    return f"{PREFIX}:spike:meta:{scope}"


def spike_hours(scope: str) -> str:
    """Hash: hour index (epoch hours) -> mentions that hour, for the last WEEKS_KEPT weeks."""
    return f"{PREFIX}:spike:hours:{scope}"


def spike_state(scope: str) -> str:
    """Hash: `v` (version), `state` (JSON), `owed` ("alert:<storm>", "over:<storm>" or "")."""
    return f"{PREFIX}:spike:state:{scope}"


def spike_told(scope: str, storm: int, kind: str, step: str) -> str:
    """One message of one storm to one place: held while in flight, "done" once sent."""
    return f"{PREFIX}:spike:told:{scope}:{storm}:{kind}:{step}"


# -- Posts that join a case quietly (bot/store/quiet.py) ----------------------------------
def muted_author(author_id: str) -> str:
    """The case an author was muted from (their posts go into its thread); expires with it."""
    return f"{PREFIX}:muted:{author_id}"


def same_text(fingerprint: str) -> str:
    """The case a text was first carded in (bot/domain/same_text.py); copies join it."""
    return f"{PREFIX}:same-text:{fingerprint}"
