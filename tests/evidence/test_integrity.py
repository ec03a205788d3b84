"""The evidence log's hash chain and `manage.py verify_evidence`: tampering is found and named."""

import pytest
from django.core.files.storage import default_storage
from django.core.management import CommandError, call_command
from django.db import connection

from evidence import chain
from evidence.models import EvidenceLogEntry
from tests.factories import evidence_file, photo_bytes

pytestmark = pytest.mark.django_db


def verify():
    from io import StringIO

    out = StringIO()
    try:
        call_command("verify_evidence", stdout=out)
    except CommandError as error:
        return False, out.getvalue() + str(error)
    return True, out.getvalue()


def test_untouched_evidence_verifies(db):
    evidence_file(data=photo_bytes(seed=1))
    evidence_file(data=photo_bytes(seed=2))
    ok, output = verify()
    assert ok, output
    assert "2 file(s) and 2 log entr" in output and "everything matches" in output


def test_each_entry_carries_the_previous_entrys_hash(db):
    evidence_file(data=photo_bytes(seed=1))
    evidence_file(data=photo_bytes(seed=2))
    first, second = EvidenceLogEntry.objects.order_by("sequence")
    assert first.previous_hash == chain.GENESIS
    assert second.previous_hash == first.entry_hash


def test_a_flipped_byte_in_a_stored_file_is_reported_with_the_file(db):
    evidence = evidence_file(data=photo_bytes(seed=3))
    evidence_file(data=photo_bytes(seed=4))
    path = default_storage.path(evidence.original.key)
    with open(path, "r+b") as stored:
        stored.seek(5000)
        byte = stored.read(1)
        stored.seek(5000)
        stored.write(bytes([byte[0] ^ 0x01]))
    ok, output = verify()
    assert not ok
    assert f"original {evidence.original.key} (evidence {evidence.pk}): ALTERED" in output
    assert "1 problem(s) found" in output


def test_an_edited_log_entry_is_reported_with_its_sequence(db):
    evidence_file(data=photo_bytes(seed=5))
    victim = evidence_file(data=photo_bytes(seed=6), filename="real-name.jpg")
    evidence_file(data=photo_bytes(seed=7))
    entry = EvidenceLogEntry.objects.get(evidence=victim)
    table = EvidenceLogEntry._meta.db_table
    with connection.cursor() as cursor:  # what someone with database access could do
        cursor.execute(f"UPDATE {table} SET payload = %s WHERE id = %s",  # noqa: S608
                       ['{"sha256": "' + victim.original.sha256 + '", "filename": "forged.jpg"}', entry.pk])
    ok, output = verify()
    assert not ok
    assert f"log entry #{entry.sequence}: entry_hash does not match the entry's content: the entry was edited" in output


def test_a_removed_log_entry_breaks_the_chain(db):
    evidence_file(data=photo_bytes(seed=8))
    removed = evidence_file(data=photo_bytes(seed=9))
    evidence_file(data=photo_bytes(seed=10))
    entry = EvidenceLogEntry.objects.get(evidence=removed)
    with connection.cursor() as cursor:
        cursor.execute(f"DELETE FROM {EvidenceLogEntry._meta.db_table} WHERE id = %s", [entry.pk])  # noqa: S608
    ok, output = verify()
    assert not ok
    assert f"log entry #{entry.sequence + 1}: sequence" in output
    assert f"evidence {removed.pk}): no 'received' entry" in output


def test_the_log_refuses_updates_and_deletes(db):
    evidence_file(data=photo_bytes(seed=11))
    entry = EvidenceLogEntry.objects.get()
    entry.payload = {"changed": True}
    with pytest.raises(TypeError):
        entry.save()
    with pytest.raises(TypeError):
        entry.delete()
    with pytest.raises(TypeError):
        EvidenceLogEntry.objects.all().update(action="package")
    with pytest.raises(TypeError):
        EvidenceLogEntry.objects.all().delete()


def test_the_admin_shows_the_log_read_only(admin_client, db):
    evidence_file(data=photo_bytes(seed=12))
    entry = EvidenceLogEntry.objects.get()
    response = admin_client.get(f"/admin/evidence/evidencelogentry/{entry.pk}/change/")
    assert response.status_code == 200
    assert b'name="_save"' not in response.content
    assert admin_client.post(f"/admin/evidence/evidencelogentry/{entry.pk}/delete/", {"post": "yes"}).status_code == 403
