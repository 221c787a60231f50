"""Starts the sparkconv kernel with jupyter_client, runs a long Spark job in a cell, interrupts it as Jupyter's
Interrupt button does, and prints what happened as one JSON object (InterruptIT checks it)."""
import json
import queue
import sys
import time

from jupyter_client.manager import start_new_kernel


def run(client, code, timeout):
    """Executes code; returns (reply content, outputs) once the kernel is idle again."""
    msg_id = client.execute(code)
    outputs = []
    deadline = time.time() + timeout
    while True:
        try:
            msg = client.get_iopub_msg(timeout=max(1, deadline - time.time()))
        except queue.Empty:
            raise SystemExit("no answer from the kernel within %d s to: %s" % (timeout, code))
        if msg["parent_header"].get("msg_id") != msg_id:
            continue
        if msg["msg_type"] in ("execute_result", "error", "stream", "display_data"):
            outputs.append(msg["content"])
        if msg["msg_type"] == "status" and msg["content"]["execution_state"] == "idle":
            break
    reply = client.get_shell_msg(timeout=30)
    return reply["content"], outputs


manager, client = start_new_kernel(kernel_name="sparkconv", startup_timeout=120)
try:
    result = {}
    run(client, "1 + 1", 120)  # the start-up is done
    long_job = ('spark.range(0, 1_000_000_000_000L, 1, 2).selectExpr("sum(id % 7)").collect()')
    msg_id = client.execute(long_job)
    time.sleep(8)  # the job is running
    interrupted_at = time.time()
    manager.interrupt_kernel()
    reply = client.get_shell_msg(timeout=60)
    while reply["parent_header"].get("msg_id") != msg_id:
        reply = client.get_shell_msg(timeout=60)
    result["seconds_to_stop"] = time.time() - interrupted_at
    result["status"] = reply["content"]["status"]
    result["evalue"] = reply["content"].get("evalue", "")
    # Spark's status store follows its listener bus: give it a few seconds to see the cancellation.
    for attempt in range(10):
        content, outputs = run(client, "spark.sparkContext().statusTracker().getActiveJobIds().length", 60)
        result["active_jobs"] = [o.get("data", {}).get("text/plain") for o in outputs]
        if result["active_jobs"] == ["0"]:
            break
        time.sleep(1)
    content, outputs = run(client, "spark.range(3).count()", 120)
    result["after"] = [o.get("data", {}).get("text/plain") for o in outputs]
    print(json.dumps(result))
finally:
    manager.shutdown_kernel(now=True)
    client.stop_channels()
