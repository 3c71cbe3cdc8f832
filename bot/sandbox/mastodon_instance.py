"""GET /api/v2/instance and /api/v1/instance of the Mastodon fake (contracts/mastodon/docs/
methods-instance.md, entities-Instance.md; KEY-FACTS "Length limits").

Mastodon.py reads `version` from v1 to decide which methods a server has, and `api_versions`
from v2; a version >= 4.3.0 without `api_versions` makes it warn. So both are served, with a
recent version and its API version.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

if TYPE_CHECKING:
    from bot.sandbox.mastodon_api import MastodonFake

API_VERSIONS = {"4.3": 2, "4.4": 4, "4.5": 7}  # docs/entities-Instance.md "api_versions"


def api_version(version: str) -> int:
    return API_VERSIONS.get(".".join(version.split(".")[:2]), 2)


def _statuses(fake: MastodonFake) -> dict[str, int]:
    return {
        "max_characters": fake.posting.max_characters,
        "max_media_attachments": 4,
        "characters_reserved_per_url": 23,
    }


def _streaming(base_url: str) -> str:
    return "ws://" + urlsplit(base_url).netloc


def instance_v2(fake: MastodonFake, base_url: str) -> dict[str, Any]:
    brand = fake.store.account_json(fake.store.brand)
    return {
        "domain": fake.domain,
        "title": "Social Example",
        "version": fake.version,
        "source_url": "https://github.com/mastodon/mastodon",
        "description": "A sandbox Mastodon server for Earshot",
        "usage": {"users": {"active_month": len(fake.store.accounts)}},
        "thumbnail": {"url": f"https://{fake.domain}/packs/media/images/preview.png"},
        "icon": [],
        "languages": ["en"],
        "configuration": {
            "urls": {"streaming": _streaming(base_url), "status": None, "about": None,
                     "privacy_policy": None, "terms_of_service": None},
            "vapid": {"public_key": ""},
            "accounts": {"max_featured_tags": 10, "max_pinned_statuses": 5},
            "statuses": _statuses(fake),
            "media_attachments": {"supported_mime_types": ["image/jpeg", "image/png"],
                                  "description_limit": 1500, "image_size_limit": 16777216,
                                  "image_matrix_limit": 33177600, "video_size_limit": 103809024,
                                  "video_frame_rate_limit": 120, "video_matrix_limit": 8294400},
            "polls": {"max_options": 4, "max_characters_per_option": 50,
                      "min_expiration": 300, "max_expiration": 2629746},
            "translation": {"enabled": False},
        },
        "registrations": {"enabled": False, "approval_required": False, "message": None,
                          "url": None},
        "api_versions": {"mastodon": api_version(fake.version)},
        "contact": {"email": f"admin@{fake.domain}", "account": brand},
        "rules": [],
    }  # fmt: skip


def instance_v1(fake: MastodonFake, base_url: str) -> dict[str, Any]:
    return {
        "uri": fake.domain,
        "title": "Social Example",
        "short_description": "A sandbox Mastodon server for Earshot",
        "description": "",
        "email": f"admin@{fake.domain}",
        "version": fake.version,
        "urls": {"streaming_api": _streaming(base_url)},
        "stats": {"user_count": len(fake.store.accounts), "status_count": len(fake.store.statuses),
                  "domain_count": 1},
        "thumbnail": f"https://{fake.domain}/packs/media/images/preview.png",
        "languages": ["en"],
        "registrations": False,
        "approval_required": False,
        "invites_enabled": False,
        "configuration": {"statuses": _statuses(fake)},
        "contact_account": fake.store.account_json(fake.store.brand),
        "rules": [],
    }  # fmt: skip
