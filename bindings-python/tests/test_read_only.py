"""Many readers (#14, point 5): a read-only handle is a snapshot that holds
no lock, so notebooks and processes read while one process writes."""

import subprocess
import sys

import pytest

import parkdb

_WRITER = r"""
import sys, time
import parkdb
db = parkdb.open(sys.argv[1])
for i in range(int(sys.argv[2])):
    db.add_parcel(f"W{i}", "1", requisitioned="2005-01-01")
print("wrote", flush=True)
sys.stdin.readline()           # hold the database open until told
for i in range(int(sys.argv[2]), int(sys.argv[2]) + 5):
    db.add_parcel(f"W{i}", "1", requisitioned="2005-01-01")
print("more", flush=True)
sys.stdin.readline()
db.close()
"""


def test_a_reader_and_a_writer_in_two_processes(tmp_path):
    path = str(tmp_path / "z.parkdb")
    writer = subprocess.Popen(
        [sys.executable, "-c", _WRITER, path, "20"],
        stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True,
    )
    try:
        assert writer.stdout.readline().strip() == "wrote"
        with pytest.raises(parkdb.InUseError):
            parkdb.open(path)  # a second writer is refused, as before
        reader = parkdb.open(path, read_only=True)
        other = parkdb.open(path, read_only=True)
        assert reader.read_only and len(reader.parcels()) == 20 == len(other.parcels())
        with pytest.raises(parkdb.ReadOnlyError):
            reader.add_parcel("R", "1", requisitioned="2005-01-01")
        assert issubclass(parkdb.ReadOnlyError, parkdb.StorageError)
        writer.stdin.write("go\n")
        writer.stdin.flush()
        assert writer.stdout.readline().strip() == "more"
        assert len(reader.parcels()) == 20
        reader.refresh()
        assert len(reader.parcels()) == 25
        assert reader.check().clean
        reader.close()
        other.close()
    finally:
        writer.stdin.write("done\n")
        writer.stdin.flush()
        writer.wait(timeout=60)
        writer.stdin.close()
        writer.stdout.close()
    assert writer.returncode == 0


def test_read_only_needs_a_database(tmp_path):
    with pytest.raises(parkdb.ValidationError):
        parkdb.open(tmp_path / "nothing", read_only=True)
    with pytest.raises(parkdb.ValidationError):
        parkdb.open(read_only=True)
