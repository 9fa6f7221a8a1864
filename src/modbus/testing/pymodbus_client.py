"""Runs Modbus requests with Debian's pymodbus client and prints the answers as JSON, for tests.

Usage: /usr/bin/python3 pymodbus_client.py PORT UNIT OPS_JSON
OPS: [{"op": "read", "table": "holding", "address": 0, "count": 2},
      {"op": "write", "address": 500, "values": [1]}]  (one value: FC6, more: FC16)
Prints [{"registers": [...]}, {"ok": true}, {"exception": 3}, ...].
"""
import json
import sys

from pymodbus.client import ModbusTcpClient
from pymodbus.pdu import ExceptionResponse

port, unit, ops = int(sys.argv[1]), int(sys.argv[2]), json.loads(sys.argv[3])
client = ModbusTcpClient("127.0.0.1", port=port, timeout=5)
if not client.connect():
    print(json.dumps({"error": "cannot connect"}))
    sys.exit(1)
out = []
for op in ops:
    if op["op"] == "read":
        fn = client.read_holding_registers if op.get("table", "holding") == "holding" else client.read_input_registers
        r = fn(op["address"], op["count"], slave=unit)
    elif len(op["values"]) == 1 and not op.get("multiple"):
        r = client.write_register(op["address"], op["values"][0], slave=unit)
    else:
        r = client.write_registers(op["address"], op["values"], slave=unit)
    if isinstance(r, ExceptionResponse):
        out.append({"exception": r.exception_code})
    elif r.isError():
        out.append({"error": str(r)})
    elif op["op"] == "read":
        out.append({"registers": list(r.registers)})
    else:
        out.append({"ok": True})
client.close()
print(json.dumps(out))
