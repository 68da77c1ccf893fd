"""Every write method's refusal path: a typed exception, and nothing written."""

import datetime as dt
from decimal import Decimal

import pytest

import parkdb
from conftest import fingerprint


REFUSALS = [
    ("add_enterprise", lambda db, e, o, p: db.add_enterprise("  "), parkdb.ValidationError),
    ("add_enterprise", lambda db, e, o, p: db.add_enterprise("X", credit_code="914403001922038217"), parkdb.ValidationError),
    ("add_enterprise", lambda db, e, o, p: db.add_enterprise("X", tax_id="37061370581"), parkdb.ValidationError),
    ("record_enterprise_id", lambda db, e, o, p: db.record_enterprise_id(e, "org_code", "705812958"), parkdb.ValidationError),
    ("record_enterprise_id", lambda db, e, o, p: db.record_enterprise_id(e, "vat", "705812957"), parkdb.ValidationError),
    ("register_parcel", lambda db, e, o, p: db.register_parcel("GP-001", "1", entered="2017-01-08"), parkdb.ConflictError),
    ("register_parcel", lambda db, e, o, p: db.register_parcel("LC-1", "1", entered="2017-01-08", holder="无此企业"), parkdb.NotFoundError),
    ("agree_contract", lambda db, e, o, p: db.agree_contract(p, "2005-01-01", terms=50), parkdb.LifecycleError),
    ("agree_contract", lambda db, e, o, p: db.agree_contract(p, "2005-01-01", terms={"其他工业用地": 0}), parkdb.ValidationError),
    ("convey", lambda db, e, o, p: db.convey(p, o, "2005-01-01"), parkdb.LifecycleError),
    ("mortgage", lambda db, e, o, p: db.mortgage(p, "银行", "2005-01-01", amount_yuan=100), parkdb.LifecycleError),
    ("mortgage", lambda db, e, o, p: db.mortgage(p, "银行", "2005-01-01", amount_yuan=0), parkdb.ValidationError),
    ("add_parcel", lambda db, e, o, p: db.add_parcel("GP-001", "1", requisitioned="2004-01-01"), parkdb.ConflictError),
    ("add_parcel", lambda db, e, o, p: db.add_parcel("GP-X", "0", requisitioned="2004-01-01"), parkdb.ValidationError),
    ("add_parcel", lambda db, e, o, p: db.add_parcel("GP-X", "1.0000001", requisitioned="2004-01-01"), parkdb.ValidationError),
    ("add_parcel", lambda db, e, o, p: db.add_parcel("GP-X", "1", land_use="farm", requisitioned="2004-01-01"), parkdb.ValidationError),
    ("add_parcel", lambda db, e, o, p: db.add_parcel("GP-X", "1", requisitioned="2004-02-30"), parkdb.ValidationError),
    ("add_parcel", lambda db, e, o, p: db.add_parcel("GP-X", True, requisitioned="2004-01-01"), parkdb.ValidationError),
    ("add_parcel", lambda db, e, o, p: db.add_parcel("GP-X", "1", area_m2=3, requisitioned="2004-01-01"), parkdb.ValidationError),
    ("develop", lambda db, e, o, p: db.develop(p, "2004-04-30"), parkdb.LifecycleError),
    ("develop", lambda db, e, o, p: db.develop(999, "2005-01-01"), parkdb.NotFoundError),
    ("certify", lambda db, e, o, p: db.certify(p, "2005-01-01", certificate=" "), parkdb.ValidationError),
    ("allocate", lambda db, e, o, p: db.allocate(p, 999, "2005-01-01", method="listing", price_yuan=1), parkdb.NotFoundError),
    ("allocate", lambda db, e, o, p: db.allocate(p, e, "2005-01-01", method="gift", price_yuan=1), parkdb.ValidationError),
    ("allocate", lambda db, e, o, p: db.allocate(p, e, "2005-01-01", method="listing", price_yuan="-1"), parkdb.ValidationError),
    ("allocate", lambda db, e, o, p: db.allocate(p, e, "2005-01-01", method="listing", price_yuan="0.001"), parkdb.ValidationError),
    ("start_construction", lambda db, e, o, p: db.start_construction(p, "2005-01-01"), parkdb.LifecycleError),
    ("complete_construction", lambda db, e, o, p: db.complete_construction(p, "2005-01-01"), parkdb.LifecycleError),
    ("declare_idle", lambda db, e, o, p: db.declare_idle(p, "2005-01-01"), parkdb.LifecycleError),
    ("reclaim", lambda db, e, o, p: db.reclaim(p, "2005-01-01", reason="x"), parkdb.LifecycleError),
    ("transfer", lambda db, e, o, p: db.transfer(p, o, "2005-01-01"), parkdb.LifecycleError),
    ("split", lambda db, e, o, p: db.split(p, "2005-01-01", [("A", "20"), ("B", "30")]), parkdb.LifecycleError),
    ("split", lambda db, e, o, p: db.split(p, "2005-01-01", [("GP-001", "20"), ("B", "32.7272")]), parkdb.ConflictError),
    ("void", lambda db, e, o, p: db.void(12345, reason="typo"), parkdb.NotFoundError),
    ("void", lambda db, e, o, p: db.void(1, reason=""), parkdb.ValidationError),
    ("set_policy", lambda db, e, o, p: db.set_policy(no_development_without_certificate_from="soon"), parkdb.ValidationError),
    ("set_boundary", lambda db, e, o, p: db.set_boundary(p, [(39512000, 3400000), (39512100, 3400000)], crs=4527), parkdb.ValidationError),
    ("set_boundary", lambda db, e, o, p: db.set_boundary(p, "POLYGON ((0 0, 1 0, 1 1, 0 0))"), parkdb.ValidationError),
    ("set_parcel_note", lambda db, e, o, p: db.set_parcel_note(p, "一期\x1b[31m"), parkdb.ValidationError),
    ("set_parcel_note", lambda db, e, o, p: db.set_parcel_note(p, "一期", on="1999-01-01"), parkdb.LifecycleError),
    ("report_buildings", lambda db, e, o, p: db.report_buildings(p, floor_area_m2="-1", footprint_m2="0"), parkdb.ValidationError),
    ("report_buildings", lambda db, e, o, p: db.report_buildings(p, floor_area_m2="4000", footprint_m2="2000"), parkdb.LifecycleError),
    ("set_enterprise_note", lambda db, e, o, p: db.set_enterprise_note(999, "x"), parkdb.NotFoundError),
    ("set_enterprise_note", lambda db, e, o, p: db.set_enterprise_note(e, "x" * 4001), parkdb.ValidationError),
    ("set_default_crs", lambda db, e, o, p: db.set_default_crs("EPSG:3857"), parkdb.ValidationError),
    ("set_area_tolerance", lambda db, e, o, p: db.set_area_tolerance(2), parkdb.ValidationError),
    ("set_area_tolerance", lambda db, e, o, p: db.set_area_tolerance("much"), parkdb.ValidationError),
    ("set_area_tolerance", lambda db, e, o, p: db.set_area_tolerance(-0.01), parkdb.ValidationError),
    ("set_area_tolerance", lambda db, e, o, p: db.set_area_tolerance(True), parkdb.ValidationError),
    ("enterprise_signed", lambda db, e, o, p: db.enterprise_signed(e, "2005-01-01", investment_yuan=-1), parkdb.ValidationError),
    ("enterprise_signed", lambda db, e, o, p: db.enterprise_signed(999, "2005-01-01"), parkdb.NotFoundError),
    ("enterprise_construction_started", lambda db, e, o, p: db.enterprise_construction_started(e, "2005-01-01"), parkdb.LifecycleError),
    ("enterprise_in_production", lambda db, e, o, p: db.enterprise_in_production(e, "2005-01-01"), parkdb.LifecycleError),
    ("capital_increased", lambda db, e, o, p: db.capital_increased(e, "2005-01-01", land_mu="40"), parkdb.LifecycleError),
    ("capital_increased", lambda db, e, o, p: db.capital_increased(e, "2005-01-01"), parkdb.ValidationError),
    ("enterprise_suspended", lambda db, e, o, p: db.enterprise_suspended(e, "2005-01-01"), parkdb.LifecycleError),
    ("enterprise_resumed", lambda db, e, o, p: db.enterprise_resumed(e, "2005-01-01"), parkdb.LifecycleError),
    ("enterprise_closed", lambda db, e, o, p: db.enterprise_closed(999, "2005-01-01"), parkdb.NotFoundError),
    ("report_year", lambda db, e, o, p: db.report_year(e, 2005), parkdb.ValidationError),
    ("report_year", lambda db, e, o, p: db.report_year(e, 2005, tax_yuan=-5), parkdb.ValidationError),
    ("report_year", lambda db, e, o, p: db.report_year(e, 2005, energy_tce="1.23456"), parkdb.ValidationError),
    ("lease", lambda db, e, o, p: db.lease(e, building="1#", area_m2=0, start="2005-01-01"), parkdb.ValidationError),
    ("lease", lambda db, e, o, p: db.lease(e, building="1#", area_m2=10, start="2005-01-01", end="2004-01-01"), parkdb.ValidationError),
    ("end_lease", lambda db, e, o, p: db.end_lease(e, 0, "2005-01-01"), parkdb.LifecycleError),
    ("add_programme", lambda db, e, o, p: db.add_programme(" ", 2005, budget_yuan=1), parkdb.ValidationError),
    ("add_programme", lambda db, e, o, p: db.add_programme("P", 2005, budget_yuan=-1), parkdb.ValidationError),
    ("add_programme", lambda db, e, o, p: db.add_programme("2005年度科技三项费用", 2005, budget_yuan=1), parkdb.ConflictError),
    ("set_budget", lambda db, e, o, p: db.set_budget(99, "2005-06-01", 1), parkdb.NotFoundError),
    ("apply", lambda db, e, o, p: db.apply(99, e, "T", "2005-03-01", requested_yuan=1), parkdb.NotFoundError),
    ("apply", lambda db, e, o, p: db.apply(1, e, "T", "2005-03-01", requested_yuan=0), parkdb.ValidationError),
    ("review", lambda db, e, o, p: db.review(1, "2005-07-01", scores=[101]), parkdb.ValidationError),
    ("approve", lambda db, e, o, p: db.approve(1, "2005-09-01", batch="第一批", grant_yuan=2_000_000), parkdb.ConflictError),
    ("approve", lambda db, e, o, p: db.approve(1, "2005-09-01", batch="第一批", loan_yuan=1), parkdb.ValidationError),
    ("approve", lambda db, e, o, p: db.approve(1, "2005-01-01", batch="第一批", grant_yuan=1), parkdb.LifecycleError),
    ("reject", lambda db, e, o, p: db.reject(99, "2005-09-01"), parkdb.NotFoundError),
    ("disburse", lambda db, e, o, p: db.disburse(1, "2005-09-01", 1, kind="grant"), parkdb.LifecycleError),
    ("disburse", lambda db, e, o, p: db.disburse(1, "2005-09-01", 1, kind="gift"), parkdb.ValidationError),
    ("repay", lambda db, e, o, p: db.repay(1, "2005-09-01", 1), parkdb.LifecycleError),
    ("recover", lambda db, e, o, p: db.recover(1, "2005-09-01", 1, via="bailiff"), parkdb.ValidationError),
    ("write_off", lambda db, e, o, p: db.write_off(1, "2005-09-01"), parkdb.LifecycleError),
    ("close_application", lambda db, e, o, p: db.close_application(1, "2005-09-01"), parkdb.LifecycleError),
    ("define_indicator", lambda db, e, o, p: db.define_indicator("R&D_GDP", "again"), parkdb.ConflictError),
    ("define_indicator", lambda db, e, o, p: db.define_indicator("X", "x", direction="up"), parkdb.ValidationError),
    ("observe", lambda db, e, o, p: db.observe("R&D_GDP", "2005-13", "1"), parkdb.ValidationError),
    ("observe", lambda db, e, o, p: db.observe("NOPE", 2005, "1"), parkdb.NotFoundError),
    ("set_fee_rate", lambda db, e, o, p: db.set_fee_rate("held_mu", "-1", since="2004-01-01"), parkdb.ValidationError),
    ("set_fee_rate", lambda db, e, o, p: db.set_fee_rate("per_head", "1", since="2004-01-01"), parkdb.ValidationError),
    ("schedule_land_payments", lambda db, e, o, p: db.schedule_land_payments(p, [("2005-01-01", "1")], on="2005-01-01"), parkdb.LifecycleError),
    ("schedule_land_payments", lambda db, e, o, p: db.schedule_land_payments(p, [], on="2005-01-01"), parkdb.ValidationError),
    ("receive_payment", lambda db, e, o, p: db.receive_payment("100", parcel=p, on="2005-01-01"), parkdb.LifecycleError),
    ("receive_payment", lambda db, e, o, p: db.receive_payment("0", parcel=p, on="2005-01-01"), parkdb.ValidationError),
    ("receive_payment", lambda db, e, o, p: db.receive_payment("1", on="2005-01-01"), parkdb.ValidationError),
    ("receive_payment", lambda db, e, o, p: db.receive_payment("1", enterprise=e, on="2005-01-01"), parkdb.LifecycleError),
    ("receive_payment", lambda db, e, o, p: db.receive_payment("1", enterprise=e, kind="land_price", on="2005-01-01"), parkdb.ValidationError),
    ("refund_payment", lambda db, e, o, p: db.refund_payment("1", enterprise=e, on="2005-01-01"), parkdb.LifecycleError),
    ("write_off_debt", lambda db, e, o, p: db.write_off_debt(parcel=p, on="2005-01-01", reason="坏账"), parkdb.LifecycleError),
    ("write_off_debt", lambda db, e, o, p: db.write_off_debt(enterprise=e, on="2005-01-01", reason=""), parkdb.ValidationError),
    ("record_collection", lambda db, e, o, p: db.record_collection("notice", parcel=p, on="2005-01-01"), parkdb.LifecycleError),
    ("record_collection", lambda db, e, o, p: db.record_collection("prayer", parcel=p, on="2005-01-01"), parkdb.ValidationError),
    ("pay_compensation", lambda db, e, o, p: db.pay_compensation(p, "land", "1", payee="村委会", on="2004-04-30"), parkdb.LifecycleError),
    ("pay_compensation", lambda db, e, o, p: db.pay_compensation(p, "land", "1", payee="村委会", on="2004-06-01", area_mu="1"), parkdb.ValidationError),
    ("pay_compensation", lambda db, e, o, p: db.pay_compensation(p, "bribe", "1", payee="村委会", on="2004-06-01"), parkdb.ValidationError),
    ("qualify", lambda db, e, o, p: db.qualify(e, "famous", on="2005-01-01"), parkdb.ValidationError),
    ("qualify", lambda db, e, o, p: db.qualify(e, "high_tech", on="2005-01-01", valid_until="2004-12-31"), parkdb.LifecycleError),
    ("revoke_qualification", lambda db, e, o, p: db.revoke_qualification(e, "high_tech", on="2005-01-01", reason="x"), parkdb.LifecycleError),
    ("honour", lambda db, e, o, p: db.honour(e, "科学技术奖", on="2005-01-01", level="市级", grade="二等奖", year=2006), parkdb.ValidationError),
    ("record_inspection", lambda db, e, o, p: db.record_inspection(e, "environment", on="2005-03-01", rectify_by="2005-02-01"), parkdb.LifecycleError),
    ("rectify", lambda db, e, o, p: db.rectify(e, 0, on="2005-03-01"), parkdb.LifecycleError),
    ("record_incident", lambda db, e, o, p: db.record_incident(e, "safety", "泄漏", on="2005-03-01", quantity_t="-1"), parkdb.ValidationError),
    ("record_complaint", lambda db, e, o, p: db.record_complaint(e, "noise", "噪音", on="2005-03-01"), parkdb.ValidationError),
    ("resolve_complaint", lambda db, e, o, p: db.resolve_complaint(e, 0, on="2005-03-01", resolution="ok"), parkdb.LifecycleError),
    ("register_building", lambda db, e, o, p: db.register_building(p, "1#", floor_area_m2="100", lettable_m2="101", on="2005-01-01"), parkdb.ValidationError),
    ("register_building", lambda db, e, o, p: db.register_building(p, "1#", floor_area_m2="100", lettable_m2="90", on="2003-01-01"), parkdb.LifecycleError),
    ("reach_building_stage", lambda db, e, o, p: db.reach_building_stage("9#", "in_use", on="2005-01-01"), parkdb.ValidationError),
    ("plan_building_stage", lambda db, e, o, p: db.plan_building_stage("9#", "in_use", by="2005-12-31", on="2005-01-01"), parkdb.ValidationError),
]


@pytest.mark.parametrize("method,call,exc", REFUSALS, ids=[f"{r[0]}-{i}" for i, r in enumerate(REFUSALS)])
def test_refusals_are_typed_and_write_nothing(world, method, call, exc):
    db, e, other, p = world
    before = fingerprint(db)
    with pytest.raises(exc) as info:
        call(db, e, other, p)
    assert str(info.value), "the message says what and why"
    assert fingerprint(db) == before


def test_every_write_method_has_a_refusal_test():
    assert {r[0] for r in REFUSALS} == set(parkdb.WRITE_METHODS)


def test_the_hierarchy_uses_standard_bases(db):
    assert issubclass(parkdb.ValidationError, ValueError)
    assert issubclass(parkdb.LifecycleError, ValueError)
    assert issubclass(parkdb.NotFoundError, KeyError)
    for cls in (parkdb.ValidationError, parkdb.LifecycleError, parkdb.NotFoundError, parkdb.ConflictError, parkdb.StorageError):
        assert issubclass(cls, parkdb.Error)
    with pytest.raises(parkdb.ValidationError) as info:
        db.add_parcel("X", "1", land_use="farm", requisitioned="2004-01-01")
    assert info.value.field == "land_use"
    # The codes, each with its Chinese term.
    assert "industrial (工业), commercial_residential (商住)" in str(info.value)
    with pytest.raises(parkdb.NotFoundError) as info:
        db.parcel("nope")
    assert info.value.entity == "parcel" and info.value.key == "nope"


def test_lifecycle_errors_name_the_parcel_and_rule(world):
    db, e, other, p = world
    db.allocate(p, e, "2005-01-01", method="listing", price_yuan=1)
    with pytest.raises(parkdb.LifecycleError) as info:
        db.allocate(p, other, "2005-02-01", method="listing", price_yuan=1)
    assert "GP-001" in info.value.subject
    assert "already has a holder" in info.value.rule


def test_bad_types_are_validation_errors(db):
    with pytest.raises(parkdb.ValidationError, match="date"):
        db.add_parcel("X", "1", requisitioned=20050101)
    with pytest.raises(parkdb.ValidationError):
        db.add_parcel("X", object(), requisitioned="2005-01-01")
    with pytest.raises(parkdb.ValidationError):
        db.add_parcel("X", float("nan"), requisitioned="2005-01-01")
    with pytest.raises(parkdb.ValidationError):
        db.add_parcel("X", Decimal("Infinity"), requisitioned="2005-01-01")
    with pytest.raises(parkdb.ValidationError, match="status"):
        db.parcels(status="sold")
    with pytest.raises(parkdb.ValidationError):
        db.parcels(as_of="yesterday")
    with pytest.raises(parkdb.ValidationError):
        db.history("grant", 1)
    assert db.parcels().to_pylist() == []


def test_closed_database_raises_storage_error(tmp_path):
    db = parkdb.open(tmp_path / "z.parkdb")
    db.add_parcel("A", "1", requisitioned="2005-01-01")
    db.close()
    assert db.closed
    with pytest.raises(parkdb.StorageError, match="closed"):
        db.parcels()
    again = parkdb.open(tmp_path / "z.parkdb")
    assert again is not db
    assert len(again.parcels()) == 1
    again.close()


def test_credit_codes():
    assert parkdb.validate_credit_code("914403001922038216")
    assert not parkdb.validate_credit_code("914403001922038217")
    assert not parkdb.validate_credit_code("")


def test_date_subclasses_are_accepted(db):
    p = db.add_parcel("X", "1", requisitioned=dt.datetime(2005, 3, 1, 23, 59))
    assert db.parcel(p)["requisitioned"] == dt.date(2005, 3, 1)


def test_damaged_files_raise_corrupt_not_a_crash(tmp_path):
    path = tmp_path / "z.parkdb"
    db = parkdb.open(path)
    for i in range(100):
        db.add_parcel(f"GP-{i:03}", "52.7272", requisitioned="2001-05-01")
    db.close()
    data = (path / "db").read_bytes()
    (path / "db").write_bytes(data[: len(data) // 3])
    with pytest.raises(parkdb.CorruptError, match="restore it from a backup"):
        parkdb.open(path)


def test_a_second_process_gets_a_clear_error(tmp_path):
    import subprocess
    import sys

    path = tmp_path / "z.parkdb"
    parkdb.open(path).close()
    child = subprocess.Popen(
        [sys.executable, "-c", f"import parkdb, time; db = parkdb.open({str(path)!r}); print('open', flush=True); time.sleep(30)"],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert child.stdout.readline().strip() == "open"
        with pytest.raises(parkdb.StorageError, match="in use by another process"):
            parkdb.open(path)
    finally:
        child.kill()
        child.wait()
        child.stdout.close()


def test_closed_and_in_use_have_their_own_classes_under_storage_error(tmp_path):
    import subprocess
    import sys

    path = tmp_path / "z.parkdb"
    db = parkdb.open(path)
    tx = db.transaction()
    db.close()
    with pytest.raises(parkdb.ClosedError):
        db.parcels()
    with pytest.raises(parkdb.ClosedError, match="closed while this transaction was open"):
        tx.commit()
    assert issubclass(parkdb.ClosedError, parkdb.StorageError)
    assert issubclass(parkdb.InUseError, parkdb.StorageError)
    assert issubclass(parkdb.InternalError, parkdb.Error)
    held = parkdb.open(path)
    code = (
        "import parkdb, sys\n"
        "try:\n    parkdb.open(sys.argv[1])\n"
        "except parkdb.InUseError as e:\n    print(e.path)\n"
    )
    run = subprocess.run([sys.executable, "-c", code, str(path)], capture_output=True, text=True, timeout=60)
    assert run.returncode == 0, run.stderr
    assert run.stdout.strip().endswith("z.parkdb")
    held.close()


def test_the_version_is_written_once():
    import importlib.metadata
    import pathlib
    import tomllib

    workspace = tomllib.loads((pathlib.Path(__file__).parents[2] / "Cargo.toml").read_text())
    assert parkdb.__version__ == workspace["workspace"]["package"]["version"]
    assert importlib.metadata.version("parkdb") == parkdb.__version__


def test_the_stubs_and_the_package_speak_the_native_vocabulary():
    """The codes are defined once, in Rust: the package's constants come
    from the native module, and the stubs' literals must match them."""
    import ast
    import pathlib

    native = parkdb._native.VOCABULARY
    assert parkdb.LAND_USES == tuple(code for code, _ in native["LAND_USES"])
    assert parkdb.TERMS["LAND_USES"]["industrial"] == "工业"
    for name in ("SUPPLY_METHODS", "PARCEL_STATUSES", "ENTERPRISE_STATUSES", "APPLICATION_STATUSES", "AWARD_KINDS"):
        assert getattr(parkdb, name) == tuple(code for code, _ in native[name]), name
        assert len(getattr(parkdb, name)) >= 3
    stubs = ast.parse((pathlib.Path(parkdb.__file__).parent / "__init__.pyi").read_text())
    literals = {}
    for node in stubs.body:
        if isinstance(node, ast.Assign) and isinstance(node.value, ast.Subscript):
            if getattr(node.value.value, "id", None) == "Literal":
                elts = node.value.slice.elts if isinstance(node.value.slice, ast.Tuple) else [node.value.slice]
                literals[node.targets[0].id] = tuple(e.value for e in elts)
    assert literals["LandUse"] == parkdb.LAND_USES
    assert literals["Method"] == parkdb.SUPPLY_METHODS
    assert literals["Kind"] == parkdb.AWARD_KINDS
    assert literals["LandUseTerm"] == tuple(parkdb.TERMS["LAND_USES"].values())
    assert literals["MethodTerm"] == tuple(parkdb.TERMS["SUPPLY_METHODS"].values())
    assert literals["KindTerm"] == tuple(parkdb.TERMS["AWARD_KINDS"].values())
    # Reports are typed: every figure the native report gives has a type.
    from parkdb._reports import AnnualReport

    report = parkdb.example().annual_report(2005)
    assert set(report.to_dict()) <= set(AnnualReport.__annotations__), set(report.to_dict()) - set(
        AnnualReport.__annotations__
    )


def test_every_native_write_method_is_published():
    """WRITE_METHODS comes from the native module; the names notebooks use
    stay in it, and each is a method of both Database and Transaction."""
    published = {
        "add_enterprise", "add_parcel", "develop", "certify", "allocate", "start_construction",
        "complete_construction", "declare_idle", "reclaim", "transfer", "split", "void",
        "set_policy", "set_boundary", "set_parcel_note", "report_buildings", "set_enterprise_note", "set_default_crs", "set_area_tolerance", "enterprise_signed", "enterprise_construction_started",
        "enterprise_in_production", "capital_increased", "enterprise_suspended",
        "enterprise_resumed", "enterprise_closed", "report_year", "lease", "end_lease",
        "add_programme", "set_budget", "apply", "review", "approve", "reject", "disburse",
        "repay", "recover", "write_off", "close_application", "define_indicator", "observe",
        "set_fee_rate", "schedule_land_payments", "receive_payment", "refund_payment",
        "write_off_debt", "record_collection", "pay_compensation", "qualify",
        "revoke_qualification", "honour", "record_inspection", "rectify", "record_incident",
        "record_complaint", "resolve_complaint", "register_building", "reach_building_stage",
        "plan_building_stage", "record_enterprise_id", "register_parcel", "agree_contract",
        "convey", "mortgage",
    }
    native = {
        name
        for name in dir(parkdb._native.Transaction)
        if not name.startswith("_") and name not in ("commit", "rollback", "active")
    }
    assert published <= set(parkdb.WRITE_METHODS) == native
    assert len(parkdb.WRITE_METHODS) == len(set(parkdb.WRITE_METHODS))
    for name in parkdb.WRITE_METHODS:
        assert callable(getattr(parkdb.Database, name)) and callable(getattr(parkdb.Transaction, name))


def test_the_land_summary_rows_are_parkdbs():
    from dataclasses import fields

    from parkdb._reports import LandFigures

    areas = [name for name, _ in parkdb._native.LAND_AREAS]
    # Every area but the one that tells how much of the land entered
    # without its requisition (not a row of the report: a part of the first).
    rows = [f.name for f in fields(LandFigures) if f.name.endswith("_mu") and f.name != "requisition_unknown_mu"]
    assert rows == areas
    assert dict(parkdb._native.LAND_AREAS)["reclaimed_mu"] == "累计收回"


def test_every_write_method_says_what_it_records_its_errors_and_an_example():
    import inspect

    for name in parkdb.WRITE_METHODS:
        for cls in (parkdb.Database, parkdb.Transaction):
            doc = inspect.getdoc(getattr(cls, name))
            assert doc and len(doc.splitlines()) >= 4, (cls, name)
            assert f".{name}(" in doc, (cls, name)  # an example
            assert "Raises" in doc or name == "set_policy", (cls, name)


def test_a_lifecycle_refusal_names_its_rule_kind():
    """A program branches on ``kind``, not on the words of ``rule``."""
    db = parkdb.open()
    p = db.add_parcel("GP-900", "10", requisitioned="2004-01-01")
    firm = db.add_enterprise("科华电子")
    with pytest.raises(parkdb.LifecycleError) as reserve:
        db.reclaim(p, "2005-01-01", reason="闲置")
    assert reserve.value.kind == "in_reserve"
    assert "reserve" in reserve.value.rule and reserve.value.entity == "parcel"
    with pytest.raises(parkdb.LifecycleError) as early:
        db.develop(p, "2003-01-01")
    assert early.value.kind == "out_of_order"
    db.allocate(p, firm, "2004-06-01", method="listing", price_yuan=1000)
    with pytest.raises(parkdb.LifecycleError) as held:
        db.allocate(p, firm, "2004-07-01", method="listing", price_yuan=1000)
    assert held.value.kind == "already_held"
    with pytest.raises(parkdb.LifecycleError) as more:
        db.receive_payment(2000, parcel=p, on="2004-07-01")
    assert more.value.kind == "amount"
    db.close()
