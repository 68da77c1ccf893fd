"""The docstrings of the write methods, shared by ``Database`` (where each
write is a transaction of its own) and ``Transaction`` (where it joins the
open one). Every write returns the new entity's id or the event's id; a
refused write raises and stores nothing of itself."""

from __future__ import annotations

_DATES = "Dates are ``datetime.date`` or ``\"YYYY-MM-DD\"``, from 1900 to 2200."
_EXACT = (
    "Areas and money take ``int``, ``str`` (``\"1,205.5\"``) or ``Decimal`` exactly; a ``str`` may "
    "name its unit (``\"1.867291公顷\"``, ``\"21587㎡\"``, ``\"129.89万元\"``, ``\"1.2亿元\"``). "
    "Areas are kept to 0.000001 亩 (公顷 to 6 places and ㎡ to 2 are exact) and money to the fen; "
    "an input that needs more places is refused, never rounded. A float is rounded to the places "
    "its unit keeps exactly (six of 亩 and 公顷, two of ㎡ and 元)."
)

DOCS: dict[str, str] = {
    "add_enterprise": """Registers an enterprise (企业) and returns its id.

A unified social credit code (统一社会信用代码, GB 32100) must pass its check
character unless ``allow_invalid_code`` and be unique; an industry must be a
GB/T 4754-2017 code; ``founded`` may not be after ``registered``.

Its older ids may be given too (``tax_id`` 纳税人识别号 of 15, 17, 18 or 20
characters, ``org_code`` 组织机构代码 with its check character, ``licence``
工商注册号 of 15 digits); each names one firm, and every argument that
takes a firm then takes any of them, as it takes the id, the credit code
or the unique registered name.

Raises ``ValidationError`` (empty name, bad code, id or industry),
``ConflictError`` (a code or id already another firm's).

    e = db.add_enterprise("东岸精密机械有限公司", credit_code="91330100000000001X",
                          industry="C34", registered="2004-05-01")
    old = db.add_enterprise("烟台开发区某五金厂", tax_id="370613705812957")
""",
    "record_enterprise_id": """Records a firm's id other than its credit code: ``kind``
``tax_id`` (纳税人识别号: 15, 17, 18 or 20 characters), ``org_code``
(组织机构代码: 8 characters and the GB 11714 check character) or
``licence`` (工商注册号: 15 digits), in force from the firm's registration.
``db.enterprise(key)`` and every argument that takes a firm find it by
the id.

Raises ``ValidationError`` (a malformed id), ``ConflictError`` (another
firm's id or credit code), ``LifecycleError`` (an id of that kind recorded
already), ``NotFoundError``.

    db.record_enterprise_id("烟台开发区某五金厂", "tax_id", "370613705812957")
""",
    "register_parcel": """登记: enters a parcel whose requisition is not known (one of
published supply, transfer or mortgage results) on the day it enters the
ledger, ``entered``, in the reserve or already held by ``holder``. No
requisition date is invented: ``parcels()`` leaves ``requisitioned``
empty and says ``entered_unrequisitioned_on``; the land summary counts
the land from then, in ``requisitioned_mu`` and ``requisition_unknown_mu``.
``import_ledgers`` does this for 中国土地市场网's results.

Raises ``ValidationError`` (empty or bad code, non-positive area),
``ConflictError`` (a code in use), ``NotFoundError`` (the holder).

    p = db.register_parcel("LC-2017-001", area_ha="1.867291", entered="2017-01-08")
""",
    "agree_contract": """Records the supply contract's other agreed terms on the day
of the supply in force: ``deliver_by`` (约定交地时间), ``terms``
(土地使用年限: years, or ``{"其他工业用地": 50, "其他商服用地": 40}``), the
plot-ratio bounds as agreed (``check()`` finds them swapped), the
``instalments`` of 分期支付 (they must sum to the price), ``industry``,
``grade``, ``approved_by``, ``project`` and the ``notice``. Shown in
``parcels()`` (``deliver_by``, ``use_terms``, ``plot_ratio_min``…).

Raises ``ValidationError`` (instalments that do not make the price, a term
of 0 years), ``LifecycleError`` (no supply on that day, or terms recorded
already), ``NotFoundError``.

    db.agree_contract(p, "2017-01-08", deliver_by="2017-03-28", terms=50,
                      plot_ratio_min="1.2", instalments=["337.03万元"])
""",
    "convey": """二级市场转让: the holder passes the parcel to another firm (``how``:
买卖, 赠与, 继承…). The price passes between the firms: unlike ``transfer``
(the park's own), nothing is owed to the park.

Raises ``NotFoundError``, ``ValidationError`` (negative price),
``LifecycleError`` (land in the reserve, or held by that firm already).

    db.convey("GP-001", "天津市乙装备有限公司", "2016-01-12", price_yuan="1403.349万元", how="买卖")
""",
    "mortgage": """土地抵押: registers a mortgage on a held parcel from ``on`` to
``until``, lent by ``mortgagee``, with its certificates (the mortgage's
他项权证, the land's 国用 or 不动产权 certificate). ``parcels(as_of)``
shows the mortgages in force (``mortgaged``, ``mortgage_yuan``,
``mortgagees``).

Raises ``ValidationError`` (an amount that is not positive, an end not
after the start), ``LifecycleError`` (land in the reserve),
``NotFoundError``.

    db.mortgage("GP-001", "中国工商银行", "2016-01-14", amount_yuan="1500万元",
                until="2017-01-13", use_certificate="京延国用（2014出）第00061号")
""",
    "add_parcel": """征地: adds a parcel to the zone's reserve and returns its id.

Give the area in 亩 (``area_mu``), ㎡ (``area_m2``) or 公顷 (``area_ha``).
Codes are compared as written in Unicode's compatibility form, without
invisible characters, so ``ＧＰ-１`` is ``GP-1``.

A ``boundary`` (界址) may be given as WKT or GeoJSON text, a GeoJSON
mapping, a shapely geometry (anything with ``__geo_interface__``) or the
list of boundary points (界址点) as ``(x, y)`` pairs, x the easting; in
``crs`` (an EPSG code such as 4527, ``"EPSG:4527"``, a pyproj CRS), else
the database's default (``set_default_crs``).

Raises ``ValidationError`` (empty or bad code, non-positive area, a
boundary that is not a valid shape or names no coordinate system),
``ConflictError`` (a code in use).

    p = db.add_parcel("GP-001", "52.7272", requisitioned="2004-05-01")
""",
    "develop": """前期开发 (三通一平, 填土): records the parcel's development.

From the date the policy ``no_development_without_certificate_from`` takes
effect, land without a certificate is refused (已征土地,还没有办证的坚决一律不填土).

Raises ``NotFoundError``, ``LifecycleError`` (naming the rule).

    db.develop("GP-001", "2004-06-01")
""",
    "certify": """办证: records the parcel's land-use certificate.

Raises ``ValidationError`` (empty number), ``NotFoundError``, ``LifecycleError``.

    db.certify("GP-001", "2004-07-01", certificate="东国用(2004)第12号")
""",
    "allocate": """出让/划拨: supplies a parcel in the reserve to an enterprise.

``method`` is ``tender``, ``auction``, ``listing``, ``agreement`` or
``allocation`` (or 招标, 拍卖, 挂牌, 协议, 划拨); ``start_by`` is the agreed
construction start, from which idleness is counted.

Raises ``NotFoundError``, ``ValidationError`` (negative price, dates out of
order), ``LifecycleError`` (the parcel has a holder).

    db.allocate("GP-001", e, "2004-08-01", method="listing", price_yuan="1,800,000",
                start_by="2005-02-01")
""",
    "start_construction": """动工: construction starts on a held parcel.

Raises ``NotFoundError``, ``LifecycleError`` (no holder, or already started).

    db.start_construction("GP-001", "2005-01-15")
""",
    "complete_construction": """竣工: construction on the parcel is complete.

Raises ``NotFoundError``, ``LifecycleError`` (construction not started).

    db.complete_construction("GP-001", "2006-03-01")
""",
    "declare_idle": """认定闲置: declares a held parcel idle; the fee defaults to 20% of the
supply price.

Raises ``NotFoundError``, ``ValidationError`` (negative fee),
``LifecycleError`` (land in the reserve or under construction).

    db.declare_idle("GP-053", "2005-03-01")
""",
    "reclaim": """收回: takes a held parcel back into the reserve.

Raises ``NotFoundError``, ``LifecycleError`` (land in the reserve).

    db.reclaim("GP-053", "2005-09-01", reason="闲置满两年")
""",
    "transfer": """转让: the holder passes the parcel to another enterprise.

Raises ``NotFoundError``, ``ValidationError`` (negative price),
``LifecycleError`` (land in the reserve, or a transfer to the holder itself).

    db.transfer("GP-001", other, "2006-01-01", price_yuan="2000000")
""",
    "split": """分宗: splits a parcel into parts whose areas sum exactly to its own; the
parent retires and the parts inherit its state. Returns the parts' ids.

A part may carry its boundary: ``(code, area, boundary)``, or a mapping
with ``code``, ``area_mu``, ``boundary`` and ``crs``. Where the parent has
a boundary, the parts' shapes must lie within it, not overlap each other,
and cover it within the area tolerance.

Raises ``ValidationError`` or ``ConflictError`` (a bad or taken code, a
part's shape outside the parent, overlapping, or leaving part of it
uncovered), ``LifecycleError`` (areas that do not sum to the parcel's).

    db.split("GP-001", "2005-01-01", [("GP-001-1", "30"), ("GP-001-2", "22.7272")])
""",
    "set_boundary": """Sets a parcel's boundary (界址) from a date (``on``, else the date of
the parcel's latest event); ``None`` removes it. A dated event: reads as of
earlier dates show the boundary then. The boundary as for ``add_parcel``.
The surveyed area is measured on the plane of the Gauss-Krüger zone (for
longitude and latitude, the zone the shape lies in); the registered area
stays the legal figure.

Raises ``ValidationError`` (a ring crossing itself or not closed, fewer
than 3 points, a coordinate not a number, a point outside the coordinate
system's zone or with x and y swapped, an unknown coordinate system),
``LifecycleError`` (a date before the parcel's latest event).

    db.set_boundary("GP-001", [(39512000, 3400000), (39512200, 3400000),
                               (39512200, 3400100), (39512000, 3400100)], crs=4527)
""",
    "set_parcel_note": """Sets a parcel's note (备注) from a date (``on``, else the date of the
parcel's latest event); ``None`` or empty text removes it. A dated event:
reads as of earlier dates show the note then, and the parcels table has it
as ``note``. An import keeps a 地块台账 row's 备注 this way.

Raises ``ValidationError`` (control characters, more than 4,000
characters), ``NotFoundError``, ``LifecycleError`` (a date before the
parcel's requisition, a parcel retired by a split).

    db.set_parcel_note("GP-001", "一期，待办证", on="2005-12-31")
""",
    "report_buildings": """Reports the buildings on a parcel as of a date (``on``, else the date of
the parcel's latest event): their floor area (总建筑面积) and footprint
(建筑基底面积: buildings, structures and yards) in m². The parcels table
shows them with ``plot_ratio`` (容积率) and ``building_coverage`` (建筑系数),
and ``inefficient_land`` finds 用而未尽 from them. A later report replaces
an earlier one; reads as of earlier dates show the figures then.

Raises ``ValidationError`` (a negative figure), ``NotFoundError``,
``LifecycleError`` (construction not started, a footprint larger than the
floor area or than the parcel, a retired parcel, a date before the
parcel's requisition).

    db.report_buildings("GP-001", floor_area_m2="28,000", footprint_m2="14,500",
                        on="2006-03-31")
""",
    "set_enterprise_note": """Sets an enterprise's note (备注) from a date (``on``, else the date of
its latest event); ``None`` or empty text removes it. The enterprises
table has it as ``note``. An import keeps a 企业名录 row's 备注 this way.

Raises ``ValidationError`` (control characters, more than 4,000
characters), ``NotFoundError``, ``LifecycleError`` (a date before the
enterprise was registered).

    db.set_enterprise_note(e, "骨干企业", on="2005-12-31")
""",
    "set_default_crs": """Sets the coordinate system of boundaries given without one: CGCS2000
(4490), one of its 3-degree Gauss-Krüger zones (4513–4554) or WGS 84 (4326).

Raises ``ValidationError`` (a coordinate system parkdb does not keep).

    db.set_default_crs("EPSG:4527")
""",
    "set_area_tolerance": """Sets how far a surveyed area may differ from the registered one before
the parcel is flagged (``area_mismatch``), as a share of it; ``None``
restores 1%.

Raises ``ValidationError`` (a tolerance below 0 or above 1).

    db.set_area_tolerance(0.02)
""",
    "void": """Supersedes an event entered by mistake: it stays in history, no longer
counts, and the entity is refolded without it. Returns the void's id.

Raises ``NotFoundError``, ``ValidationError`` (a reason that says nothing),
``LifecycleError`` (a void, a creation, a split, or a void that would leave
an illegal history).

    db.void(event_id, reason="录入错误")
""",
    "set_policy": """Sets the database's dated policies.

``no_development_without_certificate_from``: from this date, developing
(填土) land without a certificate is refused (not given: no such rule).

``idle_periods``: when held land not started becomes idle (闲置) and
reclaimable without compensation (无偿收回), as a list of
``{"from": date, "idle_after_months": 12, "reclaimable_after_months": 24}``,
each for the supplies whose agreed start (约定动工日期) is on or after its
``from``. Without one, the rule of 闲置土地处置办法 (国土资源部令第53号,
2012): idle a year past the agreed start, reclaimable after two. A supply
keeps the periods in force when it was recorded (set the policy before
importing the supplies it governs); not given: the periods stay as set.
``parcels()`` (``idle``, ``reclaimable``, ``start_overdue``), the land
summary and the reports follow them.

Raises ``ValidationError`` (an idle period of no months, reclaimable
before idle).

    db.set_policy(no_development_without_certificate_from="2005-01-01")
    db.set_policy(idle_periods=[{"from": "2020-01-01", "idle_after_months": 6,
                                 "reclaimable_after_months": 24}])
""",
    "enterprise_signed": """签约/引进: the enterprise's project is signed, with its planned
investment and land.

Raises ``ValidationError`` (negative amounts), ``LifecycleError`` (already signed).

    db.enterprise_signed(e, "2004-03-01", investment_yuan="50,000,000", land_mu=40)
""",
    "enterprise_construction_started": """在建: construction of the project started.

Raises ``LifecycleError`` (the project is not signed).

    db.enterprise_construction_started(e, "2004-09-01")
""",
    "enterprise_in_production": """投产: the project is in production.

Raises ``LifecycleError`` (the project is neither signed nor under construction).

    db.enterprise_in_production(e, "2005-06-01")
""",
    "capital_increased": """增资: more investment and/or land (科华增资40亩).

Raises ``ValidationError`` (negative or empty increase), ``LifecycleError``
(no live project).

    db.capital_increased(e, "2005-08-01", investment_yuan="10,000,000", land_mu=40)
""",
    "enterprise_suspended": """停产: the enterprise's production is suspended.

Raises ``LifecycleError`` (already suspended, or no project).

    db.enterprise_suspended(e, "2005-10-01", reason="整改")
""",
    "enterprise_resumed": """Back from a suspension, to the status before it.

Raises ``LifecycleError`` (not suspended).

    db.enterprise_resumed(e, "2006-01-01")
""",
    "enterprise_closed": """关闭: the enterprise closes; no lifecycle event may follow.

Raises ``LifecycleError`` (already closed).

    db.enterprise_closed(e, "2007-01-01", reason="迁出")
""",
    "report_year": """Reports a year's figures (valid at the year's end). A second report for
the same year is a revision: the fields it gives replace the earlier ones,
which stay in history (``known_at`` shows them).

Raises ``ValidationError`` (negative figures, an implausible year, an empty
report), ``LifecycleError`` (a year before registration).

Water use (``water_m3``) is kept since storage format 7; with
``electricity_kwh`` and ``emissions_t`` it is what grade-driven surcharges
(``surcharges``) are computed from.

    db.report_year(e, 2005, output_yuan="380,000,000", tax_yuan="12,000,000",
                   employees=900, energy_tce="5200", above_scale=True)
""",
    "lease": """A tenancy in the incubator (科创中心) from ``start``, until ``end`` if known.

Raises ``ValidationError`` (empty building, non-positive area, an end before
the start).

    db.lease(e, building="1#厂房", area_m2="2,400", start="2005-06-01")
""",
    "end_lease": """Ends the enterprise's lease number ``index`` (in order of leasing, from 0).

Raises ``LifecycleError`` (an unknown or already ended lease).

    db.end_lease(e, 0, "2006-12-31")
""",
    "add_programme": """A programme of the fund: a year's appropriation (区财政拨款). Returns its id.

Raises ``ValidationError`` (empty name, a year outside 1900–2200, negative
budget), ``ConflictError`` (a programme of the same name and year).

    g = db.add_programme("2005年度科技三项费用", 2005, budget_yuan="13,140,000")
""",
    "set_budget": """The programme's budget changes (a supplementary appropriation, say).

Raises ``ValidationError`` (negative budget).

    db.set_budget(g, "2005-07-01", "15,000,000")
""",
    "apply": """受理: receives an application from an enterprise under a programme.
Returns its id.

Raises ``NotFoundError`` (programme or applicant), ``ValidationError`` (empty
title, non-positive request).

    a = db.apply(g, e, "新型LED封装", "2005-02-01", requested_yuan="500,000")
""",
    "review": """评审: experts' scores, 0 to 100.

Raises ``ValidationError`` (no scores, one above 100), ``LifecycleError``
(the application is not received).

    db.review(a, "2005-03-01", scores=[82, 90, 77])
""",
    "approve": """立项: approves an application in a named batch with an award per kind.
A loan needs ``repay_by`` or a ``schedule`` summing to it; awards beyond the
programme's budget are refused unless ``override_budget``.

Raises ``ValidationError`` (bad amounts or terms), ``ConflictError`` (beyond
the budget), ``LifecycleError`` (the application is not received).

    db.approve(a, "2005-04-01", batch="第一批", grant_yuan="200,000",
               loan_yuan="300,000", repay_by="2007-04-01")
""",
    "reject": """不予立项: the application is rejected.

Raises ``LifecycleError`` (the application is not received).

    db.reject(a, "2005-04-01", reason="不符合申报条件")
""",
    "disburse": """拨付: pays a tranche of one kind (``grant``, ``interest_subsidy``,
``loan``); what is disbursed of a kind may not exceed its award.

Raises ``ValidationError`` (non-positive amount), ``LifecycleError`` (before
approval, or beyond the award).

    db.disburse(a, "2005-05-01", "200,000", kind="grant")
""",
    "repay": """还款: a repayment of the loan, at most what is outstanding.

Raises ``ValidationError`` (non-positive amount), ``LifecycleError`` (beyond
the outstanding loan).

    db.repay(a, "2007-04-01", "300,000")
""",
    "recover": """追讨: money recovered from a debtor, by ``demand`` or through the ``court``.

Raises as ``repay``.

    db.recover(a, "2008-01-01", "100,000", via="court")
""",
    "write_off": """核销: writes off what is outstanding on the loan.

Raises ``LifecycleError`` (no loan outstanding).

    db.write_off(a, "2009-01-01", reason="企业注销")
""",
    "close_application": """结项: closes an approved application with nothing outstanding.

Raises ``LifecycleError`` (a loan outstanding, or not approved).

    db.close_application(a, "2007-06-01")
""",
    "set_fee_rate": """Sets a management fee rate (管理费标准) from a date: ``basis`` is
``held_mu`` (元 per 亩 of land held, 按亩) or ``leased_m2`` (元 per m² leased
in the incubator, 按平方米), ``period`` ``year`` or ``month``. A rate holds
until the next of the same basis; a rate of 0 stops the fee. Fees are
never typed in: each enterprise's are billed at the end of each period
from who held or leased what, and when, pro rata by the period's days
(a firm that left owes up to its last day), and ``receivables`` shows
what is outstanding.

Raises ``ValidationError`` (an unknown basis or period, a negative rate).

    db.set_fee_rate("held_mu", "1200", since="2004-01-01")
    db.set_fee_rate("leased_m2", "8", period="month", since="2004-01-01")
""",
    "schedule_land_payments": """分期付款: splits the land price owed on a parcel (the latest allocation or
transfer by ``on``, default the supply date) into instalments, given as
``(due, amount)`` pairs; they must sum exactly to the price and fall due
no earlier than the debt. A new schedule replaces the old. Without one,
the whole price falls due on the day the land is supplied.

Raises ``ValidationError`` (no instalments, an amount not above zero),
``NotFoundError``, ``LifecycleError`` (no land price owed by then, a sum
that differs from the price, an instalment before the debt, a debt a
reclaim closed).

    db.schedule_land_payments("GP-001", [("2004-06-30", "3,000,000"),
                                         ("2005-06-30", "2,000,000")])
""",
    "receive_payment": """收款: money received on a debt. Name the ``parcel`` for its land price
(``kind="land_price"``, the default, 地款) or idle fee (``"idle_fee"``,
闲置费), or the ``enterprise`` for management fees (管理费). The payment
goes to the latest debt of its kind arisen by ``on`` (the holder's), or
to ``payer``'s when a former holder pays what it still owes. A payment
larger than what is outstanding is refused unless ``advance=True`` (预收:
the difference stays as a credit).

Raises ``ValidationError`` (an amount not above zero, both or neither of
parcel and enterprise, a kind the account does not keep),
``NotFoundError``, ``LifecycleError`` (more than outstanding, a parcel
never supplied, a date before the debt arose, a debt closed by a reclaim).

    db.receive_payment("400,000", parcel="GP-001", on="2004-04-10", reference="收2004-001")
    db.receive_payment("12,000", enterprise=e, on="2005-01-20")
""",
    "refund_payment": """退款: money given back on a debt, at most what was paid on it; name the
``parcel`` or the ``enterprise`` as for ``receive_payment`` (and
``payer`` for a former holder). After a reclaim the zone keeps what was
paid unless a refund is recorded.

Raises ``ValidationError``, ``NotFoundError``, ``LifecycleError`` (more
than was paid).

    db.refund_payment("50,000", parcel="GP-001", payer=a, on="2005-11-01")
""",
    "write_off_debt": """核销 (for an idle fee 减免): writes off ``amount`` of a debt, or all that is
outstanding on it, with a reason; name the ``parcel`` (``kind`` land_price
or idle_fee) or the ``enterprise`` (management fees).

Raises ``ValidationError`` (no reason, an amount not above zero),
``NotFoundError``, ``LifecycleError`` (more than outstanding, nothing to
write off, a debt closed by a reclaim).

    db.write_off_debt(parcel="GP-001", kind="idle_fee", on="2004-10-01", reason="困难企业减免")
""",
    "record_collection": """追缴: records a step taken to collect a debt — ``notice`` (催缴通知),
``meeting`` (约谈) or ``legal`` (律师函, 诉讼) — so ``receivables`` shows the
latest step and what was paid after it, and the annual report counts
them.

Raises ``ValidationError`` (an unknown action), ``NotFoundError``,
``LifecycleError`` (nothing of the kind owed on the parcel by then).

    db.record_collection("notice", parcel="GP-001", on="2005-01-15", note="第一次催缴")
""",
    "pay_compensation": """征地补偿: money the zone paid for a parcel's land — ``land`` (土地补偿费),
``resettlement`` (安置补助费), ``attachments`` (地上附着物和青苗补偿费),
``swap`` (调地: a household's plot exchanged; give its ``area_mu``) or
``certification`` (办证费) — and to whom. ``land_summary`` sums them as
``land_cost_yuan`` (and per 亩), the annual report as the year's spending.

Raises ``ValidationError`` (an amount not above zero, no payee, an area on
anything but a swap), ``NotFoundError``, ``LifecycleError`` (a date before
the parcel entered the ledger).

    db.pay_compensation("GP-001", "attachments", "86,000", payee="林某户", on="2004-02-01")
""",
    "qualify": """认定: records a qualification awarded to an enterprise on ``on`` —
``kind`` ``high_tech`` (高新技术企业), ``tech_sme`` (科技型中小企业),
``specialised`` (专精特新), ``backbone`` (a programme's 骨干企业: name it in
``programme``), ``new_drug`` (新药证书) or ``other`` (ISO14001…). Without
``valid_until``, a 高新技术企业 or 专精特新 holds three years and a
科技型中小企业 one; the others hold until revoked. A firm's ``high_tech``
then derives from its 高新技术企业 qualifications as of each date.

Raises ``ValidationError`` (an unknown kind), ``NotFoundError``,
``LifecycleError`` (an end before the award, a certificate number recorded
already).

    db.qualify(e, "backbone", on="2005-06-20", programme="厦门国家半导体照明工程产业化基地")
""",
    "revoke_qualification": """撤销: revokes the qualification of ``kind`` (and ``number``, if given) that
holds on ``on``, with the reason.

Raises ``ValidationError`` (no reason), ``NotFoundError``,
``LifecycleError`` (none holds then).

    db.revoke_qualification(e, "high_tech", on="2009-05-01", reason="年报造假")
""",
    "honour": """Records an honour: the ``award`` (科学技术奖), its ``level`` (``national``,
``provincial``, ``municipal``, ``district`` or 国家级…区级), its ``grade``
(二等奖), the ``year`` it is for, the ``project`` and any ``co_winners``.

Raises ``ValidationError`` (an empty award or grade, a year after the
date), ``NotFoundError``.

    db.honour(e, "科学技术奖", on="2005-04-20", level="市级", grade="二等奖", year=2004,
             project="SARS病毒荧光PCR核酸检测试剂盒", co_winners=["合作单位甲"])
""",
    "record_inspection": """Records an inspection of a firm: ``domain`` ``environment`` (环保) or
``safety`` (安全), ``surprise=True`` for an unannounced one (突击), its
findings and, when they need one, a rectification deadline (``rectify_by``);
``compliance()`` shows it open until ``rectify`` and overdue after the
deadline.

Raises ``ValidationError``, ``NotFoundError``, ``LifecycleError`` (a
deadline before the inspection).

    db.record_inspection(e, "environment", on="2005-02-10", surprise=True,
                         findings="夜间偷排", rectify_by="2005-03-31")
""",
    "rectify": """整改完成: the firm's inspection number ``inspection`` (0 for its first,
in the order recorded) rectified on ``on``.

Raises ``NotFoundError``, ``LifecycleError`` (an unknown inspection, one
that asked for no rectification, one rectified already, a date before it).

    db.rectify(e, 0, on="2005-03-25", note="加装在线监测")
""",
    "record_incident": """Records an incident (事故): its ``domain``, what happened (``kind``), how
much was released (``quantity_t``), the ``casualties``, how long the
response took (``response_hours``) and the ``outcome``.

Raises ``ValidationError`` (an empty kind, a negative quantity),
``NotFoundError``.

    db.record_incident(e, "environment", "浓硫酸外泄", on="2005-03-12", quantity_t=6,
                       response_hours=5, outcome="未伤一人")
""",
    "record_complaint": """Records a complaint (投诉) about a firm: its ``domain``, what it is about
and who made it; open until ``resolve_complaint``.

Raises ``ValidationError`` (an empty subject), ``NotFoundError``.

    db.record_complaint(e, "environment", "河水水质", on="2005-02-03", source="上游养殖户")
""",
    "resolve_complaint": """The firm's complaint number ``complaint`` (0 for its first) resolved on
``on``, with how.

Raises ``ValidationError`` (no resolution), ``NotFoundError``,
``LifecycleError`` (an unknown complaint, one resolved already, a date
before it).

    db.resolve_complaint(e, 0, on="2005-03-31", resolution="查清污染源头")
""",
    "register_building": """Registers a building (物业, the incubator's 厂房) on the parcel it stands
on: its ``code`` (unique: ``1#``), ``floor_area_m2``, ``lettable_m2`` (at
most the floor area), ``use`` (``factory`` 厂房, ``office`` 办公,
``dormitory`` 宿舍, ``commercial`` 商业), ``name`` and, if known,
``footprint_m2`` (基底面积: the parcel's 建筑系数 then follows from the
register where no buildings were reported). Leases that name its
code are then held to its lettable area: one that would let more on any
day is refused. ``buildings()`` shows occupancy (出租率) and vacant area.

Raises ``ValidationError`` (an empty code, no floor area, a lettable area
above it), ``ConflictError`` (a code in use), ``NotFoundError``,
``LifecycleError`` (a split parcel, a date before the parcel).

    db.register_building("GP-120", "1#", floor_area_m2="16,000", lettable_m2="15,000",
                         on="2004-05-01", name="科创中心1#厂房")
""",
    "reach_building_stage": """A building reached a stage on ``on``: ``preparation`` (前期),
``under_construction`` (在建), ``topped_out`` (封顶), ``completed`` (竣工)
or ``in_use`` (投入使用), after the stage it reached last. The annual report
counts the floor area completed in the year (物业建设).

Raises ``ValidationError`` (an unknown building or stage),
``LifecycleError`` (a stage not after the last, a date before it).

    db.reach_building_stage("1#", "投入使用", on="2005-06-01")
""",
    "plan_building_stage": """Plans a stage for a building by a date (``by``; recorded ``on``),
replacing an earlier plan for that stage; ``buildings()`` shows the next
stage planned and the report says it (预计12月投入使用).

Raises ``ValidationError`` (an unknown building or stage).

    db.plan_building_stage("5#", "in_use", by="2005-12-31", on="2005-09-01")
""",
    "define_indicator": """Defines an indicator (its code unique, e.g. ``R&D_GDP``) observed on the
``zone``, an ``enterprise`` or a ``parcel``. Returns its id.

Raises ``ValidationError`` (empty code or name), ``ConflictError`` (a code in use).

    db.define_indicator("R&D_GDP", "R&D经费占GDP比重", unit="%")
""",
    "observe": """Observes a value of an indicator for a subject and a period (``2005``,
``2005-Q1``, ``2005-03``), valid at the period's end; a second observation
of the same subject and period is a revision.

Raises ``NotFoundError`` (indicator or subject), ``ValidationError`` (a bad period).

    db.observe("R&D_GDP", 2005, "2.1")
""",
}

FOOTER = f"""

{_DATES} {_EXACT}
On a ``Database`` the write is a transaction of its own; on a
``Transaction`` it joins the open one."""
