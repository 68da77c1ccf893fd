"""Checkpoints from Python: a reopened database loads its ledgers from them
and reads the same; a damaged one is ignored and written again."""

import pytest

import parkdb


def status(db: parkdb.Database) -> dict:
    return {c["ledger"]: c for c in db.checkpoints()}


def test_a_reopened_database_loads_its_checkpoints_and_reads_the_same(tmp_path):
    path = tmp_path / "zone.parkdb"
    db = parkdb.example(path)
    parcels = db.parcels().to_pylist()
    firms = db.enterprises().to_pylist()
    db.close()
    assert (path / "checkpoint" / "parcel.ckpt").exists()

    db = parkdb.open(path)
    before = status(db)["parcel"]
    assert before["usable"] and before["unused"] is None
    assert before["loaded_from_checkpoint"] is None
    assert db.parcels().to_pylist() == parcels
    assert db.enterprises().to_pylist() == firms
    assert status(db)["parcel"]["loaded_from_checkpoint"] is True
    assert db.check().clean
    db.close()

    # A damaged checkpoint is ignored: the ledger folds from its events.
    file = path / "checkpoint" / "parcel.ckpt"
    damaged = bytearray(file.read_bytes())
    damaged[len(damaged) // 2] ^= 0x40
    file.write_bytes(bytes(damaged))
    db = parkdb.open(path)
    assert "damaged" in status(db)["parcel"]["unused"]
    assert db.parcels().to_pylist() == parcels
    assert status(db)["parcel"]["loaded_from_checkpoint"] is False
    db.checkpoint()
    assert status(db)["parcel"]["usable"]
    db.close()


def test_a_temporary_database_keeps_none(db):
    assert db.checkpoints() == []
    db.checkpoint()


def test_a_read_only_snapshot_writes_none(tmp_path):
    path = tmp_path / "zone.parkdb"
    parkdb.example(path).close()
    snapshot = parkdb.open(path, read_only=True)
    with pytest.raises(parkdb.ReadOnlyError):
        snapshot.checkpoint()
    assert [c["ledger"] for c in snapshot.checkpoints()] == [
        "parcel",
        "enterprise",
        "programme",
        "application",
        "indicator",
    ]
    snapshot.close()
