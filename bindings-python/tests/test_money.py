"""The zone's money from Python: land payments with a schedule and aging,
management fees billed pro rata across a transfer, the receivables and
payments tables, the report's finance fields and the cost of land — each
figure worked out by hand."""

import datetime as dt
from decimal import Decimal

import pytest

import parkdb


@pytest.fixture
def zone():
    db = parkdb.open()
    a = db.add_enterprise("A 纺织")
    b = db.add_enterprise("B 电子")
    p = db.add_parcel("P1", "10", requisitioned="2004-01-01")
    db.allocate(p, a, "2004-03-01", method="listing", price_yuan="1,000,000")
    db.schedule_land_payments("P1", [("2004-03-31", "400,000"), ("2004-09-30", "300,000"), ("2005-03-31", "300,000")])
    db.receive_payment("400,000", parcel="P1", on="2004-04-10", reference="收2004-001")
    db.set_fee_rate("held_mu", "1200", since="2004-01-01")
    return db, a, b, p


def test_receivables_age_by_the_schedule(zone):
    db, a, b, p = zone
    rows = db.receivables(as_of="2004-12-31").to_pylist()
    land = [r for r in rows if r["charge"] == "land_price"]
    assert len(land) == 1
    r = land[0]
    assert (r["debtor"], r["parcel"], r["charge_zh"]) == ("A 纺织", "P1", "地款")
    assert r["due_yuan"] == Decimal("700000.00")
    assert r["paid_yuan"] == Decimal("400000.00")
    assert r["outstanding_yuan"] == Decimal("600000.00")
    assert r["overdue_yuan"] == Decimal("300000.00")
    assert r["oldest_due"] == dt.date(2004, 9, 30)
    assert (r["days_overdue"], r["bucket"]) == (92, "91_180")
    # A holds 10 亩 from March 1 (306 of 2004's 366 days): 10,032.79 元 of fees.
    fees = [r for r in rows if r["charge"] == "management_fee"]
    assert [(f["debtor"], f["amount_yuan"], f["overdue_yuan"]) for f in fees] == [("A 纺织", Decimal("10032.79"), Decimal("0.00"))]


def test_fees_follow_a_transfer_and_payments_are_listed(zone):
    db, a, b, p = zone
    db.transfer(p, b, "2004-07-01")
    db.receive_payment("100", enterprise=a, on="2004-05-01", advance=True)
    db.record_collection("notice", parcel="P1", on="2005-01-15", note="催缴")
    db.receive_payment("200,000", parcel="P1", on="2005-02-01")
    # Before any bill, the advance is a credit that arose when it was paid.
    early = [r for r in db.receivables(as_of="2004-06-01").to_pylist() if r["charge"] == "management_fee"]
    assert [(r["debtor"], r["arose"], r["outstanding_yuan"]) for r in early] == [
        ("A 纺织", dt.date(2004, 5, 1), Decimal("-100.00"))
    ]
    rows = {(r["charge"], r["debtor"]): r for r in db.receivables(as_of="2004-12-31").to_pylist()}
    # A: 12,000 × 122/366 = 4,000; B: 12,000 × 184/366 = 6,032.79.
    assert rows[("management_fee", "A 纺织")]["outstanding_yuan"] == Decimal("3900.00")
    assert rows[("management_fee", "B 电子")]["outstanding_yuan"] == Decimal("6032.79")
    later = {r["charge"]: r for r in db.receivables(as_of="2005-06-30").to_pylist() if r["debtor"] == "A 纺织"}
    assert later["land_price"]["last_action"] == "notice"
    assert later["land_price"]["paid_since_action_yuan"] == Decimal("200000.00")
    moved = db.payments(year=2005).to_pylist()
    assert [(m["flow"], m["charge"], m["amount_yuan"]) for m in moved] == [("received", "land_price", Decimal("200000.00"))]
    everything = db.payments().to_pandas()
    assert list(everything["amount_yuan"]) == [400000.0, 100.0, 200000.0]
    assert bool(everything.loc[everything["charge"] == "management_fee", "advance"].iloc[0])


def test_compensation_costs_the_land_and_the_report_sums_the_year(zone):
    db, a, b, p = zone
    db.pay_compensation("P1", "land", "300,000", payee="高平村委会", on="2004-01-10")
    db.pay_compensation("P1", "swap", "45,000", payee="林某户", on="2004-02-01", area_mu="1.5")
    summary = db.land_summary(as_of="2004-12-31")
    assert summary.land_cost_yuan == Decimal("345000.00")
    assert summary.land_cost_per_mu_yuan == Decimal("34500.00")
    r = db.annual_report(2004)
    assert r.land_price_collected_yuan == Decimal("400000.00")
    assert r.land_price_outstanding_yuan == Decimal("600000.00")
    assert r.management_fee_outstanding_yuan == Decimal("10032.79")
    assert r.compensation_paid_yuan == Decimal("345000.00")
    assert r.finance["land_price"]["overdue_yuan"] == Decimal("300000.00")
    assert r.finance["compensation"] == {"land": Decimal("300000.00"), "swap": Decimal("45000.00")}
    assert "五、财务。本年收回地款40万元" in r.text()
    moved = db.payments(year=2004).to_pylist()
    swap = [m for m in moved if m["compensation"] == "swap"][0]
    assert (swap["flow"], swap["payee"], swap["area_mu"]) == ("paid_out", "林某户", Decimal("1.5000"))


def test_as_known_at_and_voids(zone):
    db, a, b, p = zone
    before = dt.datetime.now(dt.timezone.utc)
    paid = db.receive_payment("300,000", parcel="P1", on="2004-10-01")
    now = {r["charge"]: r for r in db.receivables(as_of="2004-12-31").to_pylist()}
    assert now["land_price"]["outstanding_yuan"] == Decimal("300000.00")
    then = {r["charge"]: r for r in db.receivables(as_of="2004-12-31", known_at=before).to_pylist()}
    assert then["land_price"]["outstanding_yuan"] == Decimal("600000.00")
    db.void(paid, reason="凭证作废")
    again = {r["charge"]: r for r in db.receivables(as_of="2004-12-31").to_pylist()}
    assert again["land_price"]["outstanding_yuan"] == Decimal("600000.00")
    events = db.events(kind="parcel").to_pylist()
    assert {"payment_received", "payments_scheduled"} <= {e["event"] for e in events}
    received = [e for e in events if e["event"] == "payment_received"][0]
    assert (received["charge"], received["reference"]) == ("land_price", "收2004-001")


def test_the_example_zone_keeps_the_seeds_money(seed):
    r = seed.annual_report(2005)
    # 办证 6,800元 a 亩 over the 4509亩 certified: "3000多万元".
    assert r.finance["compensation"]["certification"] == Decimal("30661200.00")
    assert r.land_price_collected_yuan > 0 and r.land_price_outstanding_yuan > 0
    assert r.management_fee_collected_yuan > 0 and r.management_fee_outstanding_yuan > 0
    owed = seed.receivables(as_of="2005-01-01").to_pandas()
    # Overdue at the start of the year: six producing firms' 30% balances,
    # the eight building firms' second halves, the idle holders' 40%.
    arrears = owed[(owed["charge"] == "land_price") & (owed["overdue_yuan"] > 0)]
    share = (arrears["outstanding_yuan"] / arrears["amount_yuan"]).round(6)
    assert sorted(share.value_counts().items()) == [(0.3, 6), (0.4, 3), (0.5, 8)]
    # Half the fees in arrears came in after the notices.
    fees = seed.receivables(as_of="2005-12-31").to_pylist()
    chased = [r for r in fees if r["charge"] == "management_fee" and r["last_action"] == "notice"]
    assert len(chased) == 6 and all(r["paid_since_action_yuan"] > 0 for r in chased)
    assert parkdb.TERMS["CHARGES"] == {"land_price": "地款", "idle_fee": "闲置费", "management_fee": "管理费"}


def test_money_writes_take_a_firm_by_any_of_its_keys():
    """enterprise=, payer= and debtor= name a firm as every other write
    does: by its id, credit code, other id or unique name. The same writes
    with names give the same receivables as with ids; an unknown name is
    NotFoundError and writes nothing."""

    def zone_paid(key):
        db = parkdb.open()
        a = db.add_enterprise("A 纺织", tax_id="370613705812957")
        b = db.add_enterprise("B 电子")
        name = {a: "370613705812957", b: "B 电子"} if key == "name" else {a: a, b: b}
        p = db.add_parcel("P1", "10", requisitioned="2004-01-01")
        db.allocate(p, a, "2004-03-01", method="listing", price_yuan="1,000,000")
        db.set_fee_rate("held_mu", "1200", since="2004-01-01")
        db.transfer(p, b, "2004-07-01", price_yuan="50,000")
        db.receive_payment("100", enterprise=name[a], on="2004-05-01", advance=True)
        # A, the former holder, pays on the land price it still owes.
        db.receive_payment("400,000", parcel="P1", payer=name[a], on="2004-08-01")
        db.refund_payment("1,000", parcel="P1", payer=name[a], on="2004-09-01")
        db.write_off_debt(parcel="P1", on="2004-10-01", reason="减免", amount="10,000", debtor=name[a])
        db.record_collection("notice", enterprise=name[b], on="2005-01-15")
        before = db.check().events
        with pytest.raises(parkdb.NotFoundError):
            db.receive_payment("1", enterprise="无此企业", on="2005-01-20")
        assert db.check().events == before
        rows = db.receivables(as_of="2005-06-30").to_pylist()
        db.close()
        return rows

    by_name, by_id = zone_paid("name"), zone_paid("id")
    assert by_name == by_id
    land = [r for r in by_id if r["charge"] == "land_price" and r["debtor"] == "A 纺织"]
    assert [(r["paid_yuan"], r["written_off_yuan"]) for r in land] == [(Decimal("399000.00"), Decimal("10000.00"))]
