"""A Modbus TCP server made with Debian's pymodbus, an implementation independent of Fusebox, for tests.

Usage: /usr/bin/python3 pymodbus_server.py SPEC.json
SPEC: {"port": 0, "units": {"3": {"input": [POINT...], "holding": [POINT...]}}}
POINT: {"address": 0, "type": "f32", "wordOrder": "big", "byteOrder": "big", "value": 230.5}
   or: {"address": 0, "words": [1, 2]}  (raw registers)
Values are packed with Python's struct module, so a shared encoding bug cannot hide a decoding one.
Prints "READY <port>" once listening.
"""
import asyncio
import json
import struct
import sys

from pymodbus.datastore import ModbusServerContext, ModbusSlaveContext, ModbusSparseDataBlock
from pymodbus.server import StartAsyncTcpServer

FORMATS = {"u16": ">H", "s16": ">h", "u32": ">I", "s32": ">i", "f32": ">f", "u64": ">Q", "s64": ">q", "f64": ">d"}
INTEGER = {"u16", "s16", "u32", "s32", "u64", "s64"}


def words_of(point):
    if "words" in point:
        return list(point["words"])
    kind = point["type"]
    value = int(round(point["value"])) if kind in INTEGER else float(point["value"])
    raw = struct.pack(FORMATS[kind], value)
    words = []
    for i in range(0, len(raw), 2):
        hi, lo = raw[i], raw[i + 1]
        if point.get("byteOrder", "big") == "little":
            hi, lo = lo, hi
        words.append((hi << 8) | lo)
    if point.get("wordOrder", "big") == "little":
        words.reverse()
    return words


def block(points):
    values = {}
    for p in points:
        for i, w in enumerate(words_of(p)):
            values[p["address"] + i] = w
    return ModbusSparseDataBlock(values or {0: 0})


async def main():
    with open(sys.argv[1], encoding="utf-8") as f:
        spec = json.load(f)
    slaves = {}
    for unit, tables in spec["units"].items():
        slaves[int(unit)] = ModbusSlaveContext(
            hr=block(tables.get("holding", [])), ir=block(tables.get("input", [])), zero_mode=True
        )
    context = ModbusServerContext(slaves=slaves, single=False)
    server = await StartAsyncTcpServer(
        context, address=("127.0.0.1", spec.get("port", 0)), defer_start=True, allow_reuse_address=True
    )
    task = asyncio.create_task(server.serve_forever())
    await server.serving
    print("READY", server.server.sockets[0].getsockname()[1], flush=True)
    await task


asyncio.run(main())
