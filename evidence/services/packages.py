"""Evidence packages: a ZIP of originals with their manifest, checksums and log entries."""

import hashlib
import json
import shutil
import tempfile
import zipfile

from django.core.exceptions import PermissionDenied
from django.core.files.storage import default_storage
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from elections.models import Station
from observers import access_log, pseudonyms

from .. import content, selectors
from ..models import EvidenceLogEntry
from .log import _iso, append_log, log_entry_fields
from .storage import READ_BLOCK

# --- For higher apps: packages --------------------------------------------------------------------


SUMMARY_HOW_TO_VERIFY = (
    "sha256sum -c SHA256SUMS   (Linux; macOS: shasum -a 256 -c SHA256SUMS)",
)


def build_package(files, title, summary_lines, *, built_by=None):
    """A ZIP for a lawyer: originals, manifest.json, SHA256SUMS and SUMMARY.txt.

    `files` are EvidenceFiles (already permission-checked by the caller, e.g. with evidence_for).
    Returns an open temporary file positioned at 0 (originals may be gigabytes: nothing is built
    in memory). The manifest lists each file's SHA-256, metadata and its log entries, plus the
    log's head at packaging time; a "package" entry with the ZIP's own SHA-256 is then appended.
    """
    files = list(files)
    generated_at = timezone.now()
    names, manifest_files, entry_ids = {}, [], set()
    for evidence in files:
        original = evidence.original
        stem = f"{evidence.pk:06d}-{original.sha256[:12]}"
        extension = content.FORMATS[original.format_code].extensions[0]
        names[evidence.pk] = f"originals/{stem}.{extension}"
        entries = list(EvidenceLogEntry.objects.filter(evidence=evidence).order_by("sequence"))
        # Earlier receipts of the same bytes, by the same organisation's observers only (observers.scope).
        entries += list(EvidenceLogEntry.objects.filter(
            action=EvidenceLogEntry.Action.RECEIVED, payload__sha256=original.sha256,
            evidence__uploaded_by__organisation_id=evidence.uploaded_by.organisation_id).exclude(evidence=evidence))
        entry_ids.update(entry.pk for entry in entries)
        manifest_files.append({
            "evidence_id": evidence.pk, "path": names[evidence.pk], "sha256": original.sha256, "size": original.size,
            "media_type": original.media_type, "purpose": evidence.purpose, "filename": evidence.filename,
            "uploaded_by": pseudonyms.display_name(evidence.uploaded_by), "received_at": _iso(evidence.created_at),
            "station": {"id": evidence.station_id, "code": evidence.station.code, "name": evidence.station.name}
            if evidence.station else None,
            "election": evidence.election.name if evidence.election else None,
            "captured_at": _iso(original.captured_at) if original.captured_at else None,
            "device": original.device, "latitude": str(original.latitude) if original.latitude is not None else None,
            "longitude": str(original.longitude) if original.longitude is not None else None,
            "width": original.width, "height": original.height, "duration": original.duration,
        })
    chain_entries = [log_entry_fields(entry) for entry in
                     EvidenceLogEntry.objects.filter(pk__in=entry_ids).order_by("sequence")]
    head = EvidenceLogEntry.objects.order_by("-sequence").first()
    manifest = {
        "title": title, "generated_at": _iso(generated_at),
        "generated_by": built_by.username if built_by else None,
        "hash_algorithm": "sha256",
        "chain": {"how_entry_hash_is_computed": "sha256 of JSON of {sequence, created_at, action, evidence_id, "
                                               "payload, previous_hash}, keys sorted, separators (',', ':'), UTF-8",
                  # The log's head as an anchor only: its payload is another file's, maybe another NGO's.
                  "head": {"sequence": head.sequence, "created_at": _iso(head.created_at),
                           "entry_hash": head.entry_hash} if head else None, "entries": chain_entries},
        "files": manifest_files,
    }
    manifest_bytes = json.dumps(manifest, indent=2, ensure_ascii=False).encode()
    sums = "".join(f"{item['sha256']}  {item['path']}\n" for item in manifest_files)
    sums += f"{hashlib.sha256(manifest_bytes).hexdigest()}  manifest.json\n"
    summary = "\n".join([
        title, "=" * len(title), "",
        _("Generated at %(when)s (UTC).") % {"when": _iso(generated_at)},
        _("%(count)s original file(s), unchanged since they were received.") % {"count": len(files)}, "",
        *summary_lines, "",
        *[f"- {item['path']}: {item['sha256']} ({item['size']} bytes, {item['media_type']})" for item in manifest_files],
        "", _("To check that no file was altered, run in this folder:"), *SUMMARY_HOW_TO_VERIFY, "",
        _("manifest.json also lists each file's entries in the platform's hash-chained evidence log."), "",
    ])
    package = tempfile.TemporaryFile(prefix="evidence-package-")  # noqa: SIM115 (returned to the caller)
    with zipfile.ZipFile(package, "w", compression=zipfile.ZIP_DEFLATED, allowZip64=True) as archive:
        archive.writestr("SUMMARY.txt", summary)
        archive.writestr("manifest.json", manifest_bytes)
        archive.writestr("SHA256SUMS", sums)
        for evidence in files:
            info = zipfile.ZipInfo(names[evidence.pk], date_time=evidence.created_at.timetuple()[:6])
            info.compress_type = zipfile.ZIP_STORED  # photos and videos are compressed already
            with default_storage.open(evidence.original.key, "rb") as source, archive.open(info, "w", force_zip64=True) as target:
                shutil.copyfileobj(source, target, READ_BLOCK)
    package.seek(0)
    package_hash = hashlib.sha256()
    for block in iter(lambda: package.read(READ_BLOCK), b""):
        package_hash.update(block)
    package.seek(0)
    with transaction.atomic():
        append_log(action=EvidenceLogEntry.Action.PACKAGE, payload={
            "title": title, "sha256": package_hash.hexdigest(), "manifest_sha256": hashlib.sha256(manifest_bytes).hexdigest(),
            "evidence_ids": [evidence.pk for evidence in files], "built_by": built_by.username if built_by else None,
        })
        # The access log: one entry per observer whose originals (and their EXIF) leave in the ZIP.
        for uploader in {evidence.uploaded_by_id: evidence.uploaded_by for evidence in files}.values():
            count = sum(1 for evidence in files if evidence.uploaded_by_id == uploader.pk)
            access_log.record(None, action=access_log.Action.EXPORTED, actor=built_by, subject=uploader,
                              target=f"evidence package: {count} original(s)")
    return package


def station_package(*, station_id, user):
    """(filename, file) of the package of every evidence file of a station; reviewers and admins."""
    if not selectors.may_build_packages(user):
        raise PermissionDenied(_("Only reviewers and administrators build evidence packages."))
    station = Station.objects.select_related("commission__region").get(pk=station_id)
    files = selectors.evidence_visible_to(user).filter(station=station).order_by("created_at", "pk")
    title = _("Evidence for polling station %(code)s") % {"code": station.code}
    lines = [
        _("Station: %(code)s, %(name)s, %(address)s") % {"code": station.code, "name": station.name,
                                                         "address": station.address},
        _("Commission: %(commission)s; region: %(region)s") % {"commission": station.commission.name,
                                                               "region": station.commission.region.name},
    ]
    return f"evidence-station-{station.code}.zip", build_package(files, title, lines, built_by=user)
