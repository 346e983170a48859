"""The few SQL spellings that differ between DuckDB and Spark SQL; everything else the
compiler writes is the common subset (CASE, LEFT JOIN, GROUP BY, least/greatest, max_by)."""

from __future__ import annotations

import datetime as _dt
from decimal import Decimal

NUM = "DECIMAL(18,6)"  # exact: rates and money; products of two stay exact in DECIMAL(36,12)
SQL_TYPES = {"num": NUM, "date": "DATE", "ts": "TIMESTAMP", "str": "VARCHAR"}


class Dialect:
    name = "duckdb"

    def type(self, t: str) -> str:
        return SQL_TYPES[t]

    def string(self, s: str) -> str:
        return "'" + s.replace("'", "''") + "'"

    def const(self, v: object) -> tuple[str, str]:
        """SQL literal and type of a rule-file constant (never of table contents)."""
        if isinstance(v, str):
            return self.string(v), "str"
        if isinstance(v, Decimal):
            return f"CAST({self.string(format(v, 'f'))} AS {self.type('num')})", "num"
        if isinstance(v, _dt.datetime):
            return f"CAST({self.string(v.strftime('%Y-%m-%d %H:%M:%S'))} AS TIMESTAMP)", "ts"
        if isinstance(v, _dt.date):
            return f"CAST({self.string(v.isoformat())} AS DATE)", "date"
        raise TypeError(f"not a Guize value: {v!r}")

    def null(self, t: str) -> str:
        return f"CAST(NULL AS {self.type(t)})"

    # dates
    def add_days(self, d: str, n: str) -> str:
        return f"CAST({d} + to_days(CAST({n} AS INTEGER)) AS DATE)"

    def add_months(self, d: str, n: str) -> str:
        return f"CAST({d} + to_months(CAST({n} AS INTEGER)) AS DATE)"

    def add_hours(self, d: str, n: str) -> str:
        return f"({d} + to_microseconds(CAST({n} * 3600000000 AS BIGINT)))"

    def seconds_between(self, a: str, b: str) -> str:
        return f"(epoch(CAST({b} AS TIMESTAMP)) - epoch(CAST({a} AS TIMESTAMP)))"

    def days_between_dates(self, a: str, b: str) -> str:
        return f"CAST(datediff('day', {a}, {b}) AS {self.type('num')})"

    def month_of(self, d: str) -> str:
        return f"strftime({d}, '%Y-%m')"

    def time_of(self, d: str) -> str:
        return f"strftime({d}, '%H:%M')"

    def at_time(self, d: str, t: str) -> str:
        return f"(CAST({d} AS DATE) + CAST({t} AS TIME))"

    def text(self, expr: str, t: str) -> str:
        """A value as the text Guize writes it (format_value): 3.8, 2026-03-10, 2026-03-10T11:05."""
        if t == "num":
            s = f"CAST({expr} AS VARCHAR)"
            return f"(CASE WHEN {s} LIKE '%.%' THEN rtrim(rtrim({s}, '0'), '.') ELSE {s} END)"
        if t == "ts":
            return f"strftime({expr}, '%Y-%m-%dT%H:%M')"
        return f"CAST({expr} AS VARCHAR)"

    # lists of structs (the reasons column)
    def struct(self, fields: list[tuple[str, str]]) -> str:
        return "struct_pack(" + ", ".join(f"{k} := {v}" for k, v in fields) + ")"

    def compact(self, items: list[str]) -> str:
        if not items:
            return "CAST([] AS VARCHAR[])"
        return f"list_filter(list_value({', '.join(items)}), lambda x: x IS NOT NULL)"

    def array_len(self, expr: str) -> str:
        return f"len({expr})"

    def one(self, value: str) -> str:
        return f"[{value}]"

    def gather(self, lists: list[str]) -> str:
        """The concatenation of one-value lists, NULL ones skipped."""
        return f"flatten(list_value({', '.join(lists)}))"

    def first_each(self, expr: str) -> str:
        """The list without repeats, each value where it first occurs."""
        return f"list_filter({expr}, lambda x, i: list_position({expr}, x) = i)"

    def ordered_list(self, value: str, order: str) -> str:
        # a plain list, then sorted per subject: an ORDER BY inside the aggregate buffers it all
        return f"list_transform(list_sort(list(struct_pack(n := {order}, r := {value}))), lambda x: x.r)"

    def list_type(self, fields: tuple | None) -> str:
        if fields is None:
            return "VARCHAR[]"
        return "STRUCT(" + ", ".join(f"{k} {'BOOLEAN' if t == 'bool' else 'VARCHAR'}" for k, t in fields) + ")[]"

    def empty_list(self, fields: tuple | None) -> str:
        return f"CAST([] AS {self.list_type(fields)})"


class SparkDialect(Dialect):
    name = "spark"

    def type(self, t: str) -> str:
        return {"num": "DECIMAL(18,6)", "date": "DATE", "ts": "TIMESTAMP", "str": "STRING"}[t]

    def string(self, s: str) -> str:
        return "'" + s.replace("\\", "\\\\").replace("'", "\\'") + "'"

    def add_days(self, d: str, n: str) -> str:
        return f"date_add({d}, CAST({n} AS INT))"

    def add_months(self, d: str, n: str) -> str:
        return f"add_months({d}, CAST({n} AS INT))"

    def add_hours(self, d: str, n: str) -> str:
        return f"timestamp_micros(unix_micros({d}) + CAST({n} * 3600000000 AS BIGINT))"

    def seconds_between(self, a: str, b: str) -> str:
        return f"(unix_micros(CAST({b} AS TIMESTAMP)) - unix_micros(CAST({a} AS TIMESTAMP))) / 1000000"

    def days_between_dates(self, a: str, b: str) -> str:
        return f"CAST(datediff({b}, {a}) AS {self.type('num')})"

    def month_of(self, d: str) -> str:
        return f"date_format({d}, 'yyyy-MM')"

    def time_of(self, d: str) -> str:
        return f"date_format({d}, 'HH:mm')"

    def at_time(self, d: str, t: str) -> str:
        return f"to_timestamp(concat(CAST(CAST({d} AS DATE) AS STRING), ' ', {t}))"

    def text(self, expr: str, t: str) -> str:
        if t == "num":
            s = f"CAST({expr} AS STRING)"
            return (f"(CASE WHEN {s} LIKE '%.%' THEN regexp_replace(regexp_replace({s}, '0+$', ''), '[.]$', '')"
                    f" ELSE {s} END)")
        if t == "ts":
            return f"date_format({expr}, \"yyyy-MM-dd'T'HH:mm\")"
        return f"CAST({expr} AS STRING)"

    def struct(self, fields: list[tuple[str, str]]) -> str:
        return "named_struct(" + ", ".join(f"'{k}', {v}" for k, v in fields) + ")"

    def compact(self, items: list[str]) -> str:
        if not items:
            return "array()"
        return f"filter(array({', '.join(items)}), x -> x IS NOT NULL)"

    def array_len(self, expr: str) -> str:
        return f"size({expr})"

    def first_each(self, expr: str) -> str:
        return f"array_distinct({expr})"  # keeps the first of each

    def one(self, value: str) -> str:
        return f"array({value})"

    def gather(self, lists: list[str]) -> str:
        return f"flatten(filter(array({', '.join(lists)}), x -> x IS NOT NULL))"

    def ordered_list(self, value: str, order: str) -> str:
        return f"transform(array_sort(collect_list(named_struct('n', {order}, 'r', {value}))), x -> x.r)"

    def empty_list(self, fields: tuple | None) -> str:
        if fields is None:
            return "CAST(array() AS ARRAY<STRING>)"
        inner = ", ".join(f"{k}: {'BOOLEAN' if t == 'bool' else 'STRING'}" for k, t in fields)
        return f"CAST(array() AS ARRAY<STRUCT<{inner}>>)"


DIALECTS = {"duckdb": Dialect(), "spark": SparkDialect()}
