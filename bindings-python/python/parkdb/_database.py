"""``Database``: an open parkdb database, its reads and (from
``_transaction``) its write methods, each a transaction of its own."""

from __future__ import annotations

import datetime as _dt
import inspect
import os
from builtins import open as builtins_open
from typing import Any

from . import _native, schemes
from ._reports import AnnualReport, CheckReport, LandSummary
from ._table import Table
from ._transaction import WRITE_METHODS, Transaction, _db_method

class PlanProgress:
    """A plan's progress: ``table`` (a ``Table``), ``text()``, and the
    table's conversions (``to_pandas()``, ``to_polars()``, ``to_pylist()``)."""

    def __init__(self, table: Table, text: str) -> None:
        self.table = table
        self._text = text

    def text(self) -> str:
        return self._text

    def to_pylist(self) -> list[dict[str, Any]]:
        return self.table.to_pylist()

    def to_pandas(self, **kwargs: Any) -> Any:
        return self.table.to_pandas(**kwargs)

    def to_polars(self) -> Any:
        return self.table.to_polars()

    def __repr__(self) -> str:
        return self._text


class Map:
    """A map drawn by parkdb as SVG text (``svg``); Jupyter shows it."""

    __slots__ = ("svg", "parcels_drawn")

    def __init__(self, svg: str, parcels_drawn: int) -> None:
        self.svg = svg
        self.parcels_drawn = parcels_drawn

    def _repr_svg_(self) -> str:
        return self.svg

    def save(self, path: str | os.PathLike[str]) -> None:
        """Writes the SVG to ``path`` (``地块图.svg``), or a PNG for a path
        ending in ``.png`` (``地块图.png``, for Word and mail)."""
        if os.fspath(path).lower().endswith(".png"):
            with builtins_open(path, "wb") as f:
                f.write(self.to_png())
            return
        with builtins_open(path, "w", encoding="utf-8") as f:
            f.write(self.svg)

    def to_png(self) -> bytes:
        """The map as PNG bytes, at twice the SVG's size."""
        return bytes(_native.svg_to_png(self.svg))

    def __repr__(self) -> str:
        return f"<parkdb.Map of {self.parcels_drawn} parcels>"



def _scheme_dict(scheme: schemes.Scheme | str) -> dict[str, Any]:
    """A scheme as the native layer takes it: a ``Scheme``, or a preset's
    name (``"huangyan_2022"``) as the command line takes it."""
    if isinstance(scheme, str):
        return _native.scheme_preset(scheme)
    return scheme.to_dict()

class Database:
    """An open parkdb database. Use ``parkdb.open(path)``; it is also a
    context manager that closes the database at the end of the block."""

    def __init__(self, native: Any) -> None:
        self._native = native

    # ---- life ----

    def __enter__(self) -> Database:
        return self

    def __exit__(self, *exc: Any) -> None:
        self.close()

    def close(self) -> None:
        """Flushes and closes this handle; later calls raise ``StorageError``.

        A flush that fails (a full disk) raises ``StorageError`` after the
        handle is closed. A transaction still open stores nothing."""
        self._native.close()

    @property
    def closed(self) -> bool:
        return bool(self._native.closed)

    @property
    def path(self) -> str | None:
        """The database directory, or ``None`` for a temporary database."""
        return self._native.path

    def __repr__(self) -> str:
        where = self.path if not self.closed else "closed"
        return f"<parkdb.Database {where or 'temporary'}>"

    def _repr_html_(self) -> str:
        return f"<p><b>parkdb.Database</b> {self!r}</p>"

    # ---- writing ----

    @property
    def by(self) -> str | None:
        """Who this handle's writes are by: kept as the source of every
        event written through it (``events()``'s ``source_by``), or
        ``None`` for the system's user name. ``db.by = "王芳"`` sets it;
        ``parkdb.open(path, by=...)`` and ``transaction(by=...)`` too."""
        return self._native.by  # type: ignore[no-any-return]

    @by.setter
    def by(self, who: str | None) -> None:
        self._native.by = who

    def origin(self, event_id: int) -> dict[str, Any]:
        """Where event ``event_id`` came from: ``source`` (``"api"``,
        ``"import"``, ``"boundaries"``, or ``"unknown"`` for an event stored
        before parkdb kept sources), ``by``, ``host``, and for an import
        ``import_id``, ``file``, ``sha256``, ``sheet`` and ``row`` (a
        boundary file's feature number, without a sheet)."""
        return dict(self._native.origin(event_id))

    def explain_receivables(
        self, figure: str = "outstanding_yuan", *, as_of: Any = None, charge: str | None = None, known_at: Any = None
    ) -> Table:
        """What makes a total of ``receivables(as_of)`` (``outstanding_yuan``,
        ``overdue_yuan``, ``due_yuan``, ``paid_yuan``, ``written_off_yuan``,
        ``amount_yuan``), of one ``charge`` (``land_price``, ``idle_fee``,
        ``management_fee``) or all: one row per debt, as ``explain`` tables
        are; the amounts add up to the column's total."""
        if as_of is None:
            as_of = _dt.date.today()
        return Table(
            self._native.explain_receivables(figure=figure, as_of=as_of, charge=charge, known_at=known_at)
        )

    def explain_evaluation(
        self, year: int, enterprise: int | str, indicator: str, *, include_leased: bool = False, known_at: Any = None
    ) -> Table:
        """What makes a firm's value of ``indicator`` (``tax_per_mu``…) in
        the evaluation of ``year``: a rate, so the table's schema metadata
        says how it is made (``derived``) and its ``inputs`` (the figure the
        firm reported, with the event and its source, and its land), and
        its rows are the parcels whose areas make the land (``parts_of``)."""
        return Table(
            self._native.explain_evaluation(
                year=year, enterprise=enterprise, metric=indicator, include_leased=include_leased, known_at=known_at
            )
        )

    def imports(self) -> Table:
        """Every import the database stored (ledgers and boundary files),
        one row each: ``import_id``, ``source``, ``recorded_at``, ``by``,
        ``host``, ``files`` and ``sha256`` (each file's, joined by ``"; "``),
        ``events``, ``first_event_id``, ``last_event_id``. An import's
        events are ``db.events()`` rows with its ``import_id``."""
        return Table(self._native.imports())

    def transaction(self, by: str | None = None) -> Transaction:
        """A unit of work: ``with db.transaction() as tx: tx.add_parcel(...)``.
        Its events are by ``by`` if given, else by the handle's ``by``.

        One transaction is open at a time; another thread waits for it
        (Ctrl-C interrupts the wait). A write, a transaction or a backup on
        the database itself from the thread that holds an open transaction
        is refused with ``ConflictError`` (it would wait for itself).

        Inside the transaction each write is all or nothing on its own: a
        write that raises leaves nothing behind, and if the error is caught
        the transaction goes on and commits the rest (as a statement in
        SQLite). If the error leaves the ``with`` block, nothing of the
        transaction is stored. A transaction that is dropped without a
        commit, or whose database is closed first, stores nothing.
        """
        return Transaction(self, self._native.begin(by=by))

    @property
    def read_only(self) -> bool:
        """Whether this handle is a read-only snapshot (see ``parkdb.open``)."""
        return bool(self._native.read_only)

    def refresh(self) -> None:
        """Takes a new snapshot for a read-only handle, with what writers added
        since it was taken; nothing for a read-write handle."""
        self._native.refresh()

    def flush(self) -> None:
        """Makes every write so far durable."""
        self._native.flush()

    def export_parquet(
        self,
        dir: str | os.PathLike[str],
        *,
        park: str,
        as_of: Any = None,
        known_at: Any = None,
        crs: Any = None,
        wait: float = 60.0,
    ) -> dict[str, Any]:
        """Writes every table as Parquet for other engines, as park ``park`` of
        the dataset in ``dir``: ``dir/<table>/park=<park>/part-0.parquet``, the
        hive layout DuckDB, polars, pyarrow and Spark read with a ``park``
        column. Tables: parcels, enterprises, yearly, leases, grants,
        disbursements, programmes, overdue, observations, events,
        inefficient (低效用地 under the default rules); decimals and dates
        keep their Arrow types. Read as of ``as_of`` and as known at
        ``known_at``; a re-export replaces the park's files whole (written
        under ``dir/_staging``, committed, then swapped in; an export cut
        short after its commit is finished by the next read or export), and
        ``dir/_manifests/park=<park>.json`` names each file with its rows and
        CRC-32. ``parkdb.evaluate_dataset`` and ``parkdb.province_report``
        read the dataset back.

        A dataset has one coordinate system: the first export with
        boundaries fixes it (``crs=``, an EPSG code or ``"EPSG:4490"``, else
        the system most of the park's boundaries are in), later parks'
        boundaries are reprojected into it (their surveyed ``boundary_area_mu``
        stays as measured in the park's own plane), and another ``crs=`` is
        refused (``ValidationError``). The manifest records the dataset's
        system and the date the tables were read as of (the export's day
        without ``as_of``). An export holds its park: another export of the
        same park waits up to ``wait`` seconds, then raises ``ConflictError``;
        exports of different parks run side by side. Returns the park, its
        as-of, the event count, the coordinate system and the rows per file::

            db.export_parquet("province", park="东岸")
            duckdb.sql("select park, sum(area_mu) from read_parquet("
                       "'province/parcels/*/*.parquet', hive_partitioning = true) group by park")
        """
        return dict(
            self._native.export_parquet(
                os.fspath(dir), park=park, as_of=as_of, known_at=known_at, crs=crs, wait=wait
            )
        )

    def backup(self, path: str | os.PathLike[str]) -> None:
        """Writes a consistent copy of the database to a new directory."""
        self._native.backup(os.fspath(path))

    def checkpoint(self) -> None:
        """Writes each ledger's checkpoint afresh from its events.

        A checkpoint (``checkpoint/`` in the database's directory) is the
        folded in-memory view a new process loads instead of folding every
        event again. parkdb writes them by itself when a database closes and
        after large imports; call this after an import in a process that read
        nothing, or when ``check()`` reports a checkpoint that differs from
        the events. Deleting the directory loses nothing. A temporary database
        keeps none (this does nothing); a read-only one raises ``ReadOnlyError``.
        """
        self._native.checkpoint()

    def checkpoints(self) -> list[dict[str, Any]]:
        """Where each ledger's checkpoint stands: ``ledger``, ``path``,
        ``usable`` (a new process would load it), ``unused`` (why not, or
        None) and ``loaded_from_checkpoint`` (how this handle loaded the
        ledger: True, False for a fold of every event, None not yet)."""
        return [dict(c) for c in self._native.checkpoints()]

    # ---- reading ----

    def parcel(self, key: int | str, as_of: Any = None, known_at: Any = None) -> dict[str, Any]:
        """One parcel by id or code, as a dict of the parcels table's columns."""
        return Table(self._native.parcel(key, as_of=as_of, known_at=known_at)).to_pylist()[0]

    def parcels(
        self,
        as_of: Any = None,
        status: str | None = None,
        holder: int | str | None = None,
        land_use: str | None = None,
        known_at: Any = None,
        *,
        within: Any = None,
        intersects: Any = None,
        crs: Any = None,
    ) -> Table:
        """The parcels table, filtered; ``idle`` is derived as of ``as_of`` (or today).

        ``within=shape`` keeps the parcels whose boundary lies within the
        shape, ``intersects=shape`` those whose boundary meets it (a point,
        a line or an area): WKT or GeoJSON text, a GeoJSON mapping, a
        shapely geometry, or an ``(x, y)`` point, in ``crs`` (else the
        database's default). Parcels without a boundary, and parents
        retired by a split, are not found by shape.

        The ``boundary`` column is GeoArrow WKB with its coordinate system;
        ``boundary_area_mu`` is the area surveyed on the plane,
        ``area_mismatch`` whether it differs from ``area_mu`` beyond the
        area tolerance (1% unless ``set_area_tolerance``).

        Idleness as of ``as_of`` (闲置土地处置办法): a held parcel whose
        construction has not started is ``idle`` when declared idle
        (``declare_idle``) or more than one year past its agreed start
        (``start_by``), and ``reclaimable`` more than two years past it.
        ``idle_fee_yuan`` is the fee owed under a declaration made by then;
        ``potential_idle_fee_yuan`` what would be owed if a parcel idle by
        time alone were declared (20% of its price). Before it is idle, a
        parcel past its agreed start is ``start_overdue`` (逾期未动工, the
        early warning), ``start_overdue_days`` past it.
        """
        return Table(self._native.parcels(
            as_of=as_of, known_at=known_at, status=status, holder=holder, land_use=land_use,
            within=within, intersects=intersects, crs=crs,
        ))

    def map(
        self,
        as_of: Any = None,
        color: str = "status",
        *,
        scheme: Any = None,
        year: int | None = None,
        known_at: Any = None,
    ) -> Map:
        """The map of the parcels with a boundary (地块图) as SVG: coloured by
        ``"status"``, ``"land_use"``, ``"idle"`` (as of ``as_of``) or
        ``"grade"`` (the holder's grade in ``evaluate(scheme, year)``), with
        codes as labels, a legend in Chinese, a scale bar and a north arrow.
        Jupyter shows it; ``.save("地块图.svg")`` writes it."""
        svg, drawn = self._native.map(
            as_of=as_of, known_at=known_at, color=color,
            scheme=_scheme_dict(scheme) if scheme is not None else None, year=year,
        )
        return Map(svg, drawn)

    def import_ledgers(
        self,
        *paths: str | os.PathLike[str],
        dry_run: bool = False,
        limits: dict[str, int] | None = None,
        strict: bool = False,
        layout: str | None = None,
    ) -> dict[str, Any]:
        """Imports ledgers (台账) from ``.xlsx`` and ``.csv`` files in one
        transaction: each sheet (or CSV file) named after its ledger
        (企业名录, 地块台账, 地块事件, 年度经济指标, 科技计划, 项目申报, 项目流程).

        The results 中国土地市场网 publishes are taken as published,
        recognised by their headers (or named by ``layout=``):
        ``supply_results`` (供地结果: 面积(公顷), 供应方式 such as ``挂牌出让``,
        成交价格 in 万元, 土地使用权人, 合同签订日期, 约定交地/开工/竣工时间,
        土地使用年限 per use, 约定容积率, 分期支付), ``transfers`` (土地转让:
        宗地编号, 原/现土地使用权人, 转让方式, 转让价格 in 万元, 成交时间) and
        ``mortgages`` (土地抵押: 土地抵押人名称, 土地抵押权人, 抵押金额 in 万元,
        抵押起始/结束时间, the certificates in the old 国用 and the new 不动产权
        forms). A holder the register lacks is added by its name. A record
        names no requisition: its parcel enters the ledger on the record's
        date (the contract's, the transfer's, the mortgage's start) with
        ``requisitioned`` left empty and ``entered_unrequisitioned_on`` set
        in ``parcels()``; no requisition date is invented. A record without
        a parcel number (供地结果 has none) takes its notice's
        ``recorderguid`` as its code, so importing it again writes nothing.
        分期支付 that do not sum to the price are set aside and listed in
        ``skipped``; so is each published column parkdb keeps nowhere
        (地区, 行政区, 土地来源…). A transfer's price passes between the
        holders (``convey``): nothing is owed to the park.
        Returns ``{"rows": {ledger: rows read}, "changed": {ledger: rows
        that wrote something}, "events": events written, "skipped": [...],
        "written": bool}``: ``skipped`` lists the lines set aside (a title
        above the header, a unit line such as ``单位：万元`` whose unit goes to
        the columns that name none, ``合计`` rows, signatures), each with its
        sheet, row, column and reason; a column the ledger does not keep is
        set aside and listed there too (``strict=True`` refuses it instead),
        and a column given twice (``面积(亩)`` and ``area_mu``) is refused.
        ``written`` is false when nothing was new. Headers of two levels (a
        group cell such as ``主要经济指标（万元）`` over its columns) are read
        as one. ``序号``
        and ``备注`` columns are not imported.

        A ledger kept as a snapshot (地块台账 with 土地证号, 办证日期, 用地单位,
        供地日期, 实际动工日期, 竣工日期…; 企业名录 with 签约日期, 投产日期…)
        becomes the events its dates imply. Importing again is safe: what
        the database already holds is not written again (the same workbook
        twice writes nothing the second time), an updated workbook writes
        only what is new, dated by its columns, and a value that contradicts
        the database (an area, a requisition date, a holder replaced
        without a transfer, a recorded date) refuses the import with the
        stored value and the ledger's. Event rows may come in any order.

        Raises ``LedgerError`` (a ``ValidationError``) listing every bad row
        (sheet, row, column, reason; also as ``.problems``): nothing is
        written. ``dry_run=True`` checks and writes nothing; its report
        counts what would be written.

        What a file may hold is bounded, so that a workbook of a few
        megabytes that inflates to gigabytes, or a cell placed far out, is
        refused before it is read whole (``LedgerError`` naming the bound,
        its name in ``.limit``) instead of exhausting memory. The bounds,
        ``parkdb.IMPORT_LIMITS``: ``file_bytes`` 1 GiB on disk,
        ``inflated_bytes`` 2 GiB for a workbook's parts once inflated,
        ``rows`` 2,000,000 and ``columns`` 1,000 per sheet (to the last that
        holds a value), ``cells`` 50,000,000 with a value per file. Raise
        one with ``limits={"rows": 3_000_000}``. A path that is not a
        regular file (a pipe, a directory) is refused (``ValidationError``).
        """
        return self._native.import_ledgers(
            [os.fspath(p) for p in paths],
            dry_run=dry_run,
            limits=limits,
            strict=strict,
            layout=layout,
        )

    def import_boundaries(
        self,
        path: str | os.PathLike[str],
        *,
        code_field: str = "地块编号",
        crs: Any = None,
        on: Any = None,
        dry_run: bool = False,
        encoding: str | None = None,
        zone: Any = None,
    ) -> dict[str, Any]:
        """Sets parcels' boundaries from a survey file: a GeoJSON
        FeatureCollection or an ESRI shapefile (``.shp`` with its ``.dbf``
        and ``.prj``), each feature matched to a parcel by ``code_field``.
        All or nothing: an unknown code or an invalid shape raises
        ``LedgerError`` listing every one by feature number (``.problems``:
        dicts with ``feature``, ``field`` and ``reason``), and nothing is
        written, as ``import_ledgers`` does. Returns ``{"features",
        "matched", "written", "errors": [], "mismatches"}``;
        ``mismatches`` lists surveyed areas beyond the area tolerance (set
        all the same). ``crs`` serves a file that names none; ``on`` is the
        date the boundaries take effect (else each parcel's latest event).
        ``encoding`` is a shapefile ``.dbf``'s (``"GBK"``), over its
        ``.cpg``; a ``.dbf`` without either whose text is not UTF-8 is
        refused (``ValidationError`` naming ``encoding``).

        A file in longitude and latitude is measured in the Gauss-Krüger
        zone ``zone`` (``4528``, ``"EPSG:4528"``): the zone the park
        registers its land in (Yantai's, at 121.5°E, is 120°E). Without
        it, in the database's default CRS when that is a zone
        (``set_default_crs``), else in the zone each shape falls in. A zone
        that is neither the one a shape lies in nor a neighbour of it
        (central meridian more than 4.5° away) is refused."""
        return self._native.import_boundaries(
            os.fspath(path),
            code_field=code_field,
            crs=crs,
            on=on,
            dry_run=dry_run,
            encoding=encoding,
            zone=zone,
        )

    def neighbours(self, parcel: int | str, as_of: Any = None, known_at: Any = None) -> Table:
        """The parcels sharing a stretch of boundary with ``parcel`` (相邻地块);
        parcels that touch it only at a corner are not neighbours."""
        return Table(self._native.neighbours(parcel, as_of=as_of, known_at=known_at))

    def enterprises(
        self, as_of: Any = None, status: str | None = None, industry: str | None = None, known_at: Any = None
    ) -> Table:
        """The enterprise register with status and project figures; ``industry``
        is a GB/T 4754 section or division (``"C"``, ``"C39"``)."""
        return Table(self._native.enterprises(as_of=as_of, known_at=known_at, status=status, industry=industry))

    def enterprise(self, key: int | str, as_of: Any = None, known_at: Any = None) -> dict[str, Any]:
        """One enterprise by id, unified social credit code or exact registered
        name, as a dict. A name two firms are registered under raises
        ``ConflictError`` listing them; an unknown key ``NotFoundError``
        saying which kinds of key were tried."""
        return Table(self._native.enterprise(key, as_of=as_of, known_at=known_at)).to_pylist()[0]

    def yearly(self, year: int | None = None, as_of: Any = None, known_at: Any = None) -> Table:
        """Yearly figures, one row per enterprise and year, as revised (or as known at a time)."""
        return Table(self._native.yearly(year=year, as_of=as_of, known_at=known_at))

    def leases(self, as_of: Any = None, known_at: Any = None) -> Table:
        """Incubator leases; ``occupied`` as of ``as_of`` (or today)."""
        return Table(self._native.leases(as_of=as_of, known_at=known_at))

    def buildings(self, as_of: Any = None, known_at: Any = None) -> Table:
        """The buildings register (物业) as of ``as_of`` (or today): ``code``,
        ``name``, ``parcel_id``/``parcel`` it stands on, ``use`` and
        ``use_zh``, ``floor_area_m2``, ``lettable_m2``, ``registered``,
        ``stage``/``stage_zh`` reached by the date, ``completed``, the next
        stage planned (``next_stage``, ``next_by``), and what is let:
        ``leased_m2``, ``vacant_m2``, ``occupancy`` (出租率) and ``tenants``.
        Leases name a building by its code; a registered building refuses a
        lease that would let more than its lettable area on any day."""
        return Table(self._native.buildings(as_of=as_of, known_at=known_at))

    def qualifications(self, as_of: Any = None, known_at: Any = None) -> Table:
        """Qualifications (资质) awarded by ``as_of`` (or today): one row each
        with ``enterprise_id``/``enterprise``, ``kind`` (``high_tech``,
        ``tech_sme``, ``specialised``, ``backbone``, ``new_drug``, ``other``)
        and ``kind_zh``, ``number``, ``programme``, ``awarded``,
        ``valid_until``, ``revoked``/``revoked_reason`` and ``valid`` (holds
        on the date). The enterprises table's ``high_tech`` derives from the
        高新技术企业 rows when a firm has any."""
        return Table(self._native.qualifications(as_of=as_of, known_at=known_at))

    def honours(self, as_of: Any = None, known_at: Any = None) -> Table:
        """Honours (科学技术奖…) given by ``as_of``: ``enterprise_id``,
        ``enterprise``, ``date``, ``award``, ``level`` (``national``,
        ``provincial``, ``municipal``, ``district``) and ``level_zh``,
        ``class``, ``year``, ``project`` and ``co_winners`` (joined by 、)."""
        return Table(self._native.honours(as_of=as_of, known_at=known_at))

    def compliance(self, as_of: Any = None, known_at: Any = None) -> Table:
        """Inspections, incidents and complaints by ``as_of``, by date:
        ``category`` (``inspection``, ``incident``, ``complaint``),
        ``enterprise_id``/``enterprise``, ``date``, ``domain``
        (``environment`` 环保, ``safety`` 安全) and ``domain_zh``,
        ``surprise`` (突击), ``detail`` (findings, what happened, what the
        complaint is about), ``source`` (who complained; an incident's
        outcome), ``quantity_t``, ``casualties``, ``response_hours``,
        ``due`` (a rectification deadline), ``closed``, ``resolution``, and
        ``open`` and ``overdue`` as of the date (null where nothing is to
        close)."""
        return Table(self._native.compliance(as_of=as_of, known_at=known_at))

    def receivables(self, as_of: Any = None, known_at: Any = None) -> Table:
        """Every amount owed to the zone as of ``as_of`` (or today): one row
        per debt with anything outstanding — ``charge`` (``land_price`` 地款,
        ``idle_fee`` 闲置费, ``management_fee`` 管理费) and ``charge_zh``,
        ``debtor_id``/``debtor``, ``parcel_id``/``parcel`` (null for fees),
        ``arose``, ``amount_yuan`` (charged), ``due_yuan`` (fallen due by
        the date), ``paid_yuan`` (less refunds), ``written_off_yuan``,
        ``outstanding_yuan`` (due or not; negative: an advance's credit),
        ``overdue_yuan``, ``oldest_due``, ``days_overdue`` and ``bucket``
        (``current``, ``0_90``, ``91_180``, ``181_365``, ``over_365``), and
        the latest collection step (``last_action_date``, ``last_action``)
        with what was paid since (``paid_since_action_yuan``). Payments
        cover the oldest instalments first. Management fees are billed at
        the end of each period from the fee rates (``set_fee_rate``) and who
        held or leased what, pro rata by days; a land price without a
        schedule falls due when the land is supplied."""
        return Table(self._native.receivables(as_of=as_of, known_at=known_at))

    def payments(self, year: int | None = None, as_of: Any = None, known_at: Any = None) -> Table:
        """Money that moved, by date (in ``year`` only, if given): ``flow``
        (``received`` 收款, ``refunded`` 退款, ``paid_out`` — what the zone
        paid for land), ``charge``/``charge_zh``, ``compensation`` (its kind
        for money paid out), ``amount_yuan``, ``enterprise_id``/``enterprise``
        (who paid or was refunded), ``parcel_id``/``parcel``, ``payee``,
        ``reference``, ``advance`` and ``area_mu`` (a swap's)."""
        return Table(self._native.payments(year=year, as_of=as_of, known_at=known_at))

    def grants(
        self,
        as_of: Any = None,
        programme: int | None = None,
        applicant: int | str | None = None,
        status: str | None = None,
        known_at: Any = None,
    ) -> Table:
        """Applications to the fund with awards by kind, money moved, and overdue as of ``as_of``."""
        return Table(self._native.grants(
                as_of=as_of, known_at=known_at, programme=programme, applicant=applicant, status=status
            ))

    def disbursements(self, year: int | None = None, as_of: Any = None, known_at: Any = None) -> Table:
        """The fund's money movements: disbursements, repayments, recoveries."""
        return Table(self._native.disbursements(year=year, as_of=as_of, known_at=known_at))

    def programmes(self, as_of: Any = None, known_at: Any = None) -> Table:
        """Programmes with budget, committed, disbursed and remaining money."""
        return Table(self._native.programmes(as_of=as_of, known_at=known_at))

    def overdue(self, as_of: Any = None, known_at: Any = None) -> Table:
        """Loans overdue as of a date (default today): amount, days, since when."""
        if as_of is None:
            as_of = _dt.date.today()
        return Table(self._native.overdue(as_of=as_of, known_at=known_at))

    def observations(self, code: str | None = None, known_at: Any = None) -> Table:
        """Indicator observations, as revised (or as known at a time)."""
        return Table(self._native.observations(code=code, known_at=known_at))

    def annual_report(self, year: int, known_at: Any = None, plan: schemes.Plan | None = None) -> AnnualReport:
        """Every figure of the zone's and the bureau's work reports for ``year``.
        With a ``plan`` (``parkdb.schemes.Plan``), the report says of each of
        its targets and milestones whether it was met by the year's end,
        with the figure (``plan_progress``, and a line of ``text()``)."""
        d = self._native.annual_report(year=year, known_at=known_at, plan=plan.to_dict() if plan else None)
        # The moment it read: its figures explain as they were known then.
        moment = d.pop("_known_at", None) if known_at is None else known_at
        d.pop("_known_at", None)
        report = AnnualReport._from(d)
        # Set as the land summary's are, past the dataclass's fields.
        object.__setattr__(
            report,
            "_explainer",
            lambda figure: Table(self._native.explain_report(year=year, figure=figure, known_at=moment)),
        )
        object.__setattr__(
            report,
            "_writer",
            lambda path, zone, scheme: self._native.report_docx(
                year=year,
                path=os.fspath(path),
                known_at=moment,
                zone=zone,
                plan=plan.to_dict() if plan else None,
                scheme=_scheme_dict(scheme) if scheme is not None else None,
            ),
        )
        return report

    def plan_progress(self, plan: schemes.Plan, as_of: Any = None, known_at: Any = None) -> PlanProgress:
        """How far ``plan`` is as of ``as_of`` (or today): per target and
        milestone ``name``, ``figure``, ``goal``, ``value`` (the figure for
        the plan's year up to the date, or its deadline if earlier),
        ``share``, ``by``, ``done`` and ``met``; ``text()`` in Chinese."""
        table, text = self._native.plan_progress(plan.to_dict(), as_of=as_of, known_at=known_at)
        return PlanProgress(Table(table), text)

    def inefficient_land(
        self,
        as_of: Any = None,
        scheme: schemes.Scheme | str | None = None,
        year: int | None = None,
        known_at: Any = None,
        *,
        unsupplied_years: int = 2,
        start_within_years: int = 1,
        production_within_years: int = 1,
        below_grades: tuple[str, ...] = ("D",),
        min_plot_ratio: float = 1.0,
        min_building_coverage: float = 0.3,
    ) -> Table:
        """Inefficient land (低效用地) as of a date, derived per parcel: 批而未供
        (requisitioned, never supplied, for more than ``unsupplied_years``),
        供而未用 (held, construction not started past the agreed start, or
        ``start_within_years`` after supply without one), 用而未尽 (completed,
        its buildings, as ``report_buildings`` gave them, with a plot ratio
        below ``min_plot_ratio`` or a coverage below
        ``min_building_coverage``), 建而未投 (completed,
        the holder not in production ``production_within_years`` after
        completion) and, with a ``scheme`` and ``year``, 投而未达标 (the holder
        in production and graded in ``below_grades`` by that evaluation).
        Columns: ``parcel_id``, ``code``, ``area_mu``, ``kind``
        (``approved_not_supplied``…), ``kind_zh``, ``holder_id``, ``holder``,
        ``since`` (the first day of the kind) and ``rule`` (the dates that put
        the parcel there). A parcel is of one kind, the first of the five in
        this order that applies, so the kinds' areas add up."""
        return Table(
            self._native.inefficient_land(
                as_of=as_of,
                scheme=_scheme_dict(scheme) if scheme is not None else None,
                year=year,
                known_at=known_at,
                unsupplied_years=unsupplied_years,
                start_within_years=start_within_years,
                production_within_years=production_within_years,
                below_grades=list(below_grades),
                min_plot_ratio=min_plot_ratio,
                min_building_coverage=min_building_coverage,
            )
        )

    def evaluate(self, scheme: schemes.Scheme | str, year: int, known_at: Any = None) -> Table:
        """Evaluates every enterprise with a scheme (``parkdb.schemes.huangyan_2022()``,
        or a preset's name, ``"huangyan_2022"``, as the command line takes it)
        on ``year``'s figures: indicator values, item scores, score, rank, grade,
        ``in_scope`` and ``reason``. The indicator columns are in the scheme's
        units, which each column's Arrow field metadata says (``unit``):
        ``tax_per_mu`` and ``value_added_per_mu`` in 万元/亩,
        ``value_added_per_energy`` in 万元/吨标煤, ``value_added_per_emission``
        in 万元/吨, ``labour_productivity`` in 万元/人, ``rd_ratio`` a ratio.
        They are floats: a ratio of two money columns computed in polars or
        DuckDB from the exact decimal tables is exact only to the decimals
        those engines keep, so cast to float first."""
        return Table(self._native.evaluate(_scheme_dict(scheme), year=year, known_at=known_at))

    def surcharges(
        self,
        scheme: schemes.Scheme | str,
        year: int,
        known_at: Any = None,
        graded_at: dict[int, Any] | None = None,
    ) -> Table:
        """Each firm's grade-driven surcharges for ``year`` under the scheme's
        ``surcharges``: one row per firm and resource, with ``enterprise_id``,
        ``name``, ``grade``, ``resource``, ``years_in_grade`` (straight years
        in the grade, this one included, counted back only as far as the
        longest escalation looks), ``used`` (the year's reported
        electricity_kwh, water_m3 or emissions_t), ``rate_yuan`` and
        ``amount_yuan`` (exact, rounded to the fen; null when the use was not
        reported). Straight years count back through the evaluations of
        earlier years; ``graded_at`` maps an earlier year to the moment its
        grades were published, so a figure corrected since does not change
        a grade already given (without it, earlier years are read like this
        one, as known at ``known_at``)."""
        return Table(
            self._native.surcharges(
                _scheme_dict(scheme), year=year, known_at=known_at, graded_at=graded_at
            )
        )

    def assess(self, framework: schemes.TargetFramework, period: Any, known_at: Any = None) -> dict[str, Any]:
        """Scores the zone's observations for ``period`` against a target framework."""
        return dict(self._native.assess(
                list(framework.targets), period=period, name=framework.name, known_at=known_at
            ))

    def events(
        self,
        kind: str | None = None,
        *,
        since: Any = None,
        until: Any = None,
        known_at: Any = None,
        include_voided: bool = False,
    ) -> Table:
        """Every event of every ledger (or of one ``kind``: ``"parcel"``,
        ``"enterprise"``, ``"programme"``, ``"application"``,
        ``"indicator"``), one row each, valid from ``since`` to ``until``
        (dates, inclusive). Columns: ``kind``, ``entity_id``, ``code``,
        ``event_id``, ``event``, ``date`` (valid), ``recorded_at``,
        ``voided``, ``voided_by``, then the event's own facts, null where it
        has none: ``holder_id``, ``to_id``, ``programme_id``, ``area_mu``,
        ``area_m2``, ``price_yuan``, ``fee_yuan``, ``amount_yuan``,
        ``award_kind``, ``method``, ``land_use``, ``year``, ``certificate``,
        ``reason``; and ``detail``; then where the event came from:
        ``source`` (``api``, ``import``, ``boundaries``, ``unknown``),
        ``source_by``, ``source_host``, ``import_id``, ``source_file``,
        ``source_sheet`` and ``source_row`` (see ``origin``). Voided events
        and voids are left out unless ``include_voided``.

        Land supplied per year, counting every supply (also a parcel
        reclaimed and supplied again)::

            ev = db.events("parcel", include_voided=False).to_pandas()
            ev[ev.event == "allocated"].groupby(ev.date.map(lambda d: d.year)).size()
        """
        return Table(
            self._native.events(
                kind=kind, since=since, until=until, known_at=known_at, include_voided=include_voided
            )
        )

    def history(self, kind: str, key: int | str, known_at: Any = None) -> Table:
        """Every event of a ``"parcel"``, ``"enterprise"`` or ``"application"``,
        voids included, with the same fact and source columns as ``events()``."""
        return Table(self._native.history(kind=kind, key=key, known_at=known_at))

    def land_summaries(self, dates: Any, *, known_at: Any = None, by_land_use: bool = False) -> Table:
        """The land ledger's figures as of each of ``dates``, one row per date
        (``as_of``, then ``requisitioned_mu`` … ``reclaimed_mu`` and the
        counts); with ``by_land_use``, also a row per land use (``land_use``
        null on the zone's totals). For a series::

            db.land_summaries([f"{y}-12-31" for y in range(2000, 2006)]).to_pandas()
        """
        return Table(
            self._native.land_summaries(list(dates), known_at=known_at, by_land_use=by_land_use)
        )

    def land_summary(self, as_of: Any = None, known_at: Any = None) -> LandSummary:
        """The land ledger's figures as of a date (default: today)."""
        if as_of is None:
            as_of = _dt.date.today()
        d = self._native.land_summary(as_of=as_of, known_at=known_at)
        moment = d.pop("_known_at", None) if known_at is None else known_at
        d.pop("_known_at", None)
        summary = LandSummary._from(d)
        # Frozen: its explainer is set past the dataclass's guard.
        object.__setattr__(
            summary,
            "_explainer",
            lambda figure: Table(self._native.explain_land(figure=figure, as_of=as_of, known_at=moment)),
        )
        return summary

    def check(self) -> CheckReport:
        """Checks every record against its events and every index entry."""
        return CheckReport(**self._native.check())

    def policy(self) -> dict[str, Any]:
        """The dated policies in force (see ``set_policy``)."""
        return dict(self._native.policy())

    def size_on_disk(self) -> int:
        return int(self._native.size_on_disk())


for _name in WRITE_METHODS:
    setattr(Database, _name, _db_method(_name))

#: What every read's ``known_at`` means; appended to each such docstring.
KNOWN_AT = """
``known_at`` reads what the database knew at a moment, ignoring what was
recorded later. It takes an aware ``datetime`` (the moment it says); a
naive ``datetime`` in local time, as Python means it
(``datetime.astimezone()``); a ``date``, from the start of that day in
local time; ISO text (``"2024-03-01T09:30+08:00"``; without an offset,
local time); a ``pandas.Timestamp`` or ``numpy.datetime64``, naive ones in
UTC, as pandas and NumPy mean them. Recorded times in tables are
``timestamp[us, tz=UTC]``."""

for _name, _read in list(vars(Database).items()):
    if inspect.isfunction(_read) and "known_at" in inspect.signature(_read).parameters:
        _read.__doc__ = (_read.__doc__ or "").rstrip() + "\n" + KNOWN_AT
