"""Commands on the potential engine: ``kapot score``, ``find``, ``similar``, ``backtest``, ``worklist``."""

from __future__ import annotations

import argparse
import datetime as dt
import json
import sys
from pathlib import Path

from kapot.cli.output import emit
from kapot.cli.profiles import run_pipeline
from kapot.errors import KapotError
from kapot.i18n import get_lang, set_currency, tr

# imports inside functions: the library, imported by each command when it runs; at the top
# `import kapot.cli` would take 2.2 s of CPU and 211 MB, not 0.08 s and 12 MB (kapot.cli's docstring)

__all__ = ["COMMANDS"]


def _segment(calc, value: str) -> str:
    """A ``--segment`` as the calculator knows it: a cluster's name in the language in force
    (or its code) becomes its code; an RFM segment or ABC class stays as it is."""
    from kapot.faces.wording import cluster_code_of

    return cluster_code_of(value, calc.known_values()["segment"], get_lang())


def _query_from(args: argparse.Namespace, limit: int, calc):
    from kapot.faces.filters import build_query

    return build_query(
        categories=args.category,
        skus=args.sku,
        regions=args.region,
        managers=args.manager_filter,
        pays_on_time=args.pays_on_time,
        peak_month=args.peak_month,
        exclude_off_assortment=args.exclude_off_assortment,
        new_buyers_only=args.new_buyers_only,
        who=args.who,
        size_tiers=args.size_tier,
        segments=[_segment(calc, s) for s in args.segment],
        min_expected_value=args.min_expected_value,
        limit=limit,
    )


def _cmd_score(args: argparse.Namespace) -> None:
    run_pipeline(args.as_of, args.db, score=True, horizon_days=args.horizon_days)


def _cmd_find(args: argparse.Namespace) -> None:
    from kapot.faces.calculator import Calculator

    calc = Calculator.load(args.db, args.as_of, args.horizon_days)
    set_currency(calc.currency)
    from kapot.faces.wording import find_summary, with_reasons

    q = _query_from(args, args.limit, calc)
    res = with_reasons(calc.find(q), get_lang())
    cols = [
        "rank",
        "client_id",
        "name",
        "region",
        "manager",
        "score",
        "expected_value",
        "peak_month",
        "segment",
        "size_tier",
        "phone",
        "email",
        "reasons",
    ]
    if args.format == "table":
        print(find_summary(res, get_lang(), currency=calc.currency), file=sys.stderr)
    emit(res[cols], args.format, args.output, kinds=_FIND_KINDS)


_FIND_KINDS = {
    "score": "percent",
    "expected_value": "money",
    "peak_month": "month",
    "segment": "rfm",
    "size_tier": "tier",
}


def _cmd_similar(args: argparse.Namespace) -> None:
    from kapot.faces.calculator import Calculator

    calc = Calculator.load(args.db)
    set_currency(calc.currency)
    if args.segment:
        res = calc.similar_to_segment(_segment(calc, args.segment), limit=args.limit)
    elif args.client_id:
        res = calc.similar(args.client_id, limit=args.limit)
    else:
        raise KapotError(tr("cli.similar_needs"))
    emit(
        res,
        args.format,
        args.output,
        kinds={"segment": "rfm", "size_tier": "tier", "similarity": "percent"},
    )


def _cmd_backtest(args: argparse.Namespace) -> None:
    import pandas as pd

    from kapot.models.backtest import backtest
    from kapot.store.warehouse import Warehouse

    db = Warehouse(args.db).path
    if not Path(db).exists():
        raise KapotError(tr("warehouse.missing", path=str(db)))
    res = backtest(
        db,
        args.cutoff,
        horizon_days=args.horizon_days,
        level=args.task,
        top_skus=args.top_skus,
    )
    table = res.table
    if args.new_buyers_only:
        table = table[[c for c in table.columns if c.startswith("new_")]]
    if args.format == "json":
        print(json.dumps(res.to_dict(), ensure_ascii=False, indent=1, default=str))
        return
    print(
        tr(
            "cli.backtest_title",
            cutoff=res.cutoff.isoformat(),
            days=res.horizon_days,
            task=res.level,
            items=len(res.items),
            clients=f"{res.clients:,}",
            positives=f"{sum(res.positives.values()):,}",
        )
    )
    with pd.option_context("display.width", 200, "display.max_columns", None):
        print(table.round(4).to_string())
    print(
        tr(
            "validation.served_line",
            new=tr(f"validation.ranker_{res.served['new']}"),
            repeat=tr(f"validation.ranker_{res.served['repeat']}"),
        )
    )
    for task, w in res.weights.items():
        shown = ", ".join(f"{k} {v:+.2f}" for k, v in w.items())
        print(tr("validation.weights_line", task=tr(f"validation.task_{task}"), weights=shown))


def _cli_author(args: argparse.Namespace) -> str:
    """Who a pipeline change from the command line is recorded as: the operating-system user
    (from the uid, not $USER). ``--author`` someone else needs an admin account named as that
    user, and is recorded as "<author> (by admin <user>)"."""
    from kapot.server.auth import AccountStore, default_accounts_path, os_user

    user = os_user()
    if not args.author or args.author == user:
        return user
    acc = AccountStore(default_accounts_path(args.db)).get(user)
    if acc is None or acc.disabled or acc.role != "admin":
        raise KapotError(tr("access.author_needs_admin", author=args.author, user=user))
    return f"{args.author} (by admin {user})"


def _cmd_worklist(args: argparse.Namespace) -> None:
    from kapot.faces.worklists import OPEN_STATES, PipelineConfig, WorklistStore, default_store_path

    now = dt.datetime.now()
    author = _cli_author(args) if args.action in ("create", "move") else None
    path = default_store_path(args.db)
    if args.action == "create":
        from kapot.faces.calculator import Calculator

        store = WorklistStore(path)
        calc = Calculator.load(args.db, args.as_of)
        candidates = calc.find(_query_from(args, 5000, calc))["client_id"].tolist()
        added = store.create_list(
            args.owner,
            candidates,
            author=author,
            at=now,
            size=args.size,
            known_managers=None if args.new_manager else calc.managers(),
        )
        work = store.show(args.owner, at=now)
        print(
            tr(
                "worklist.created",
                list_id=int(work["list_id"].max()) if len(work) else 0,
                manager=args.owner,
                added=len(added),
                open=int(work["state"].isin(OPEN_STATES).sum()),
            )
        )
    elif args.action == "show":
        store = WorklistStore(path, config=PipelineConfig(max_deal_days=args.max_deal_days))
        emit(store.show(args.owner, at=now), args.format, None, kinds={"state": "state"})
    else:
        store = WorklistStore(path)
        before = store.show(None, at=now).set_index("client_id")["state"].get(args.client_id)
        store.move(
            args.client_id,
            args.to,
            author=author,
            at=now,
            reason=args.reason,
            recall_date=args.recall_date,
            expected_state=args.expect,
        )
        print(tr("worklist.moved", client=args.client_id, old=before, new=args.to))


# the commands this module runs, by name (kapot.cli.main dispatches on them)
COMMANDS = {
    "score": _cmd_score,
    "find": _cmd_find,
    "similar": _cmd_similar,
    "backtest": _cmd_backtest,
    "worklist": _cmd_worklist,
}
