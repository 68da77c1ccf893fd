"""The results 中国土地市场网 publishes, imported from Python as published:
the project's own rows in the 供地结果 and 土地抵押 layouts."""

import datetime as dt
from decimal import Decimal

import pandas as pd
import pytest

import parkdb

SUPPLY = (
    "序号,地区,行政区,土地坐落,链接,总面积,土地用途,供应方式,签订日期,项目名称,项目位置,面积(公顷),"
    "土地来源,土地用途,供地方式,土地使用年限,行业分类,土地级别,成交价格,分期支付,土地使用权人,"
    "约定容积率(上限),约定容积率(下限),约定交地时间,约定开工时间,约定竣工时间,批准单位,合同签订日期"
)


def _supply_row(n, guid, hectares, method, price, holder, start, signed):
    link = (
        "http://www.landchina.com/default.aspx?tabid=386&comname=default"
        f"&wmguid=00000000-0000-0000-0000-000000000000&recorderguid={guid}"
    )
    cells = [
        f"{n}.", '"浙江省,丽水市"', "缙云县", "缙云县新碧工业区", link, hectares, "工业用地", method,
        "2017/1/9", f"新碧工业区{n}号地块", "新碧工业区", hectares, "0.000000", "工业用地", method,
        "其他工业用地50年;", "通用设备制造业", "十四等级", price, f"{price};", holder, "1.20", "",
        "2017年03月09日", start, "2019年07月08日", "缙云县", signed,
    ]
    return ",".join(cells)


@pytest.fixture
def supply_file(tmp_path):
    path = tmp_path / "缙云县供地结果.csv"
    rows = [
        SUPPLY,
        _supply_row(1, "4d000000-0000-4000-8000-000000000001", "1.867291", "挂牌出让", "337.0300",
                    "缙云县甲机械有限公司", "2017年07月09日", "2017年01月09日"),
        _supply_row(2, "4d000000-0000-4000-8000-000000000002", "0.681600", "拍卖出让", "132.9100",
                    "缙云县乙电机有限公司", "2017年08月01日", "2017年01月10日"),
    ]
    path.write_text("\n".join(rows) + "\n", encoding="utf-8")
    return path


def test_supply_results_are_recognised_and_kept_exactly(db, supply_file):
    report = db.import_ledgers(supply_file)
    assert report["rows"] == {"supply_results": 2}
    assert report["written"] is True
    assert {s["column"] for s in report["skipped"]} >= {"地区", "行政区", "土地来源"}
    summary = db.land_summary(dt.date(2017, 12, 31))
    # 1.867291 + 0.6816 公顷, exactly, in 亩; none of it with a known requisition.
    assert summary.requisitioned_mu == Decimal("38.233365")
    assert summary.supplied_mu == Decimal("38.233365")
    assert summary.requisition_unknown_mu == Decimal("38.233365")
    parcels = db.parcels(as_of=dt.date(2017, 12, 31)).to_pandas()
    row = parcels.set_index("code").loc["4d000000-0000-4000-8000-000000000001"]
    assert pd.isna(row["requisitioned"])
    assert row["entered_unrequisitioned_on"] == pd.Timestamp("2017-01-09")
    assert row["supply_method"] == "listing"
    assert row["price_yuan"] == Decimal("3370300.00")
    assert row["use_terms"] == "其他工业用地50年"
    assert row["holder_name"] == "缙云县甲机械有限公司"
    # Imported again: nothing new, nothing written.
    again = db.import_ledgers(supply_file)
    assert again["written"] is False and again["events"] == 0


def test_a_layout_is_named_by_its_code_or_chinese_name(db, tmp_path, supply_file):
    renamed = tmp_path / "data.csv"
    renamed.write_bytes(supply_file.read_bytes())
    assert db.import_ledgers(renamed, layout="供地结果", dry_run=True)["rows"] == {"supply_results": 2}
    with pytest.raises(parkdb.ValidationError) as info:
        db.import_ledgers(renamed, layout="出让公告")
    assert "supply_results (供地结果)" in str(info.value)
    with pytest.raises(parkdb.LedgerError) as info:
        db.import_ledgers(renamed, layout="mortgages")
    assert "土地抵押人名称" in str(info.value)
    assert db.land_summary(dt.date(2017, 12, 31)).parcel_count == 0


MORTGAGE = (
    "序号,地区,行政区,土地坐落,超链接,抵押面积,抵押土地用途,宗地标识,宗地编号,宗地座落,土地面积,"
    "土地他项权利人证号,土地使用权证号,土地抵押人名称,土地抵押人性质,土地抵押权人,抵押土地用途,"
    "抵押土地权性质与使用权类型,抵押面积,评估金额,抵押金额,抵押起始时间,抵押结束时间"
)


def test_a_mortgage_is_shown_while_in_force(db, tmp_path):
    path = tmp_path / "土地抵押.csv"
    row = (
        "1.,北京市,延庆县,延庆区康庄镇,http://www.landchina.com/default.aspx?recorderguid=5e000000-0000-4000-8000-000000000001,"
        "1.0000,工业用地,\u00a0,110229001002GB00002,延庆区康庄镇,1.0000,京（2016）延庆区不动产证明第0020001号,"
        "京延国用（2012出）第00099号,北京丙科技有限公司,有限公司,北京丁银行延庆支行,工业用地,国有建设用地使用权、出让,"
        "1.0000,\u00a0,500.0000,2016/3/1 9:00:00,2018/2/28 9:00:00"
    )
    path.write_text(MORTGAGE + "\n" + row + "\n", encoding="utf-8")
    report = db.import_ledgers(path)
    assert report["rows"] == {"mortgages": 1}
    during = db.parcels(as_of=dt.date(2017, 1, 1)).to_pandas().iloc[0]
    assert during["mortgaged"] and during["mortgage_yuan"] == Decimal("5000000.00")
    assert during["mortgagees"] == "北京丁银行延庆支行"
    after = db.parcels(as_of=dt.date(2018, 3, 1)).to_pandas().iloc[0]
    assert not after["mortgaged"] and pd.isna(after["mortgage_yuan"])


def test_a_firm_is_named_by_any_of_its_ids_or_its_name(db):
    e = db.add_enterprise("烟台开发区某五金厂", tax_id="370613705812957", org_code="70581295-7")
    assert db.enterprise("370613705812957")["enterprise_id"] == e
    assert db.enterprise("705812957")["name"] == "烟台开发区某五金厂"
    p = db.register_parcel("YT-1", area_ha="1.5", entered="2008-01-01")
    # A write takes the firm by its tax id, or its unique name.
    db.allocate(p, "370613705812957", "2008-06-01", method="挂牌出让", price_yuan="500万元")
    buyer = db.add_enterprise("烟台乙机械有限公司")
    db.convey(p, "烟台乙机械有限公司", "2012-03-01", price_yuan="800万元", how="买卖")
    row = db.parcel("YT-1")
    assert row["holder_id"] == buyer and row["supply_method"] == "listing"
    assert row["entered_unrequisitioned_on"] == dt.date(2008, 1, 1) and row["requisitioned"] is None
    # Nothing owed to the park for the conveyance: the supply's price only.
    assert db.receivables().to_pandas()["debtor_id"].tolist() == [e]
    with pytest.raises(parkdb.NotFoundError) as info:
        db.allocate(db.register_parcel("YT-2", "1", entered="2008-01-01"), "无此企业", "2008-06-01",
                    method="listing", price_yuan=1)
    assert "纳税人识别号" in str(info.value)
    db.mortgage("YT-1", "烟台银行", "2013-01-01", amount_yuan="300万元", until="2015-01-01")
    assert db.parcel("YT-1", as_of="2014-01-01")["mortgage_yuan"] == Decimal("3000000.00")
    # An id another firm holds, and instalments that do not make the price,
    # are refused and write nothing.
    before = db.check().events
    with pytest.raises(parkdb.ConflictError):
        db.record_enterprise_id(buyer, "tax_id", "370613705812957")
    with pytest.raises(parkdb.ValidationError, match="not the price"):
        db.agree_contract("YT-1", "2008-06-01", instalments=["100万元"])
    assert db.check().events == before
    # The contract's terms on the day of the supply.
    db.agree_contract("YT-1", "2008-06-01", terms={"其他工业用地": 50, "其他商服用地": 40}, plot_ratio_min="1.0",
                      plot_ratio_max="0.8", instalments=["200万元", "300万元"])
    assert db.parcel("YT-1", as_of="2009-01-01")["use_terms"] == "其他工业用地50年; 其他商服用地40年"
    assert [f["kind"] for f in db.check().findings] == ["plot_ratio_swapped"]
    t = db.enterprises().to_pandas().set_index("name")
    assert t.loc["烟台开发区某五金厂", "tax_id"] == "370613705812957"
    assert t.loc["烟台开发区某五金厂", "org_code"] == "705812957"


def test_reads_that_take_a_firm_take_any_of_its_keys(world):
    db, e, other, p = world
    db.record_enterprise_id(e, "tax_id", "370613705812957")
    db.allocate(p, "370613705812957", "2005-01-01", method="listing", price_yuan=100)
    assert db.parcels(holder="科华电子").to_pandas()["code"].tolist() == ["GP-001"]
    assert db.parcels(holder="370613705812957").to_pandas()["code"].tolist() == ["GP-001"]
    assert len(db.parcels(holder="启程")) == 0
    assert len(db.grants(applicant="科华电子")) == 1
    assert len(db.history("enterprise", "370613705812957")) >= 2
    with pytest.raises(parkdb.NotFoundError):
        db.parcels(holder="无此企业")


def test_idle_periods_are_dated_policy_set_before_the_supplies(db):
    e = db.add_enterprise("缙云县甲机械有限公司")
    db.set_policy(idle_periods=[{"from": "2017-01-01", "idle_after_months": 6, "reclaimable_after_months": 18}])
    assert db.policy()["idle_periods"] == [
        {"from": dt.date(2017, 1, 1), "idle_after_months": 6, "reclaimable_after_months": 18}
    ]
    p = db.register_parcel("JY-1", area_ha="1", entered="2017-01-09")
    db.allocate(p, e, "2017-01-09", method="挂牌出让", price_yuan="100万元", start_by="2017-07-09")
    overdue = db.parcel("JY-1", as_of="2017-12-31")
    assert overdue["start_overdue"] is True and overdue["idle"] is False
    assert db.parcel("JY-1", as_of="2018-01-10")["idle"] is True
    assert db.parcel("JY-1", as_of="2019-01-10")["reclaimable"] is True
    with pytest.raises(parkdb.ValidationError, match="idle_periods|months"):
        db.set_policy(idle_periods=[{"from": "2018-01-01", "idle_after_months": 12, "reclaimable_after_months": 6}])
    with pytest.raises(parkdb.ValidationError, match="idle_after_months"):
        db.set_policy(idle_periods=[{"from": "2018-01-01"}])
