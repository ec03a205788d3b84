"""Broker faults: what they are, and a send that logs one instead of failing the write that asked for it.

Every pipeline records what it still has to do in the database (a station's `queued_at`, a
notification's unsent row, an original's pending state) before it enqueues, and a periodic sweep
sends again whatever is still undone. So a message that cannot be published is a delay, never a
loss: the observer's write has committed and must answer success, not a 500 that makes the phone
send it again. The failure is logged, with the task and its arguments, for the operators.
"""

import logging

from kombu.exceptions import OperationalError as BrokerError
from redis.exceptions import RedisError

logger = logging.getLogger("observers.broker")

BROKER_FAULTS = (BrokerError, RedisError, OSError)


def send_or_log(send, task_name, *args):
    """`send(task_name, *args)`, or a logged error when the broker is unreachable.

    Returns True when the message was published. Meant for `transaction.on_commit` callbacks
    (config.queue), where the data is already stored and the sweep is the safety net."""
    try:
        send(task_name, *args)
    except BROKER_FAULTS as error:
        logger.error("broker unreachable: %s%r not enqueued (the periodic sweep sends it again): %s",
                     task_name, args, error)
        return False
    return True
