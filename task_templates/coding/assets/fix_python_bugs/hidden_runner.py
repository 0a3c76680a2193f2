"""Call the agent's library on the hidden inputs; write every outcome to a JSON file.

Run by the checker as `nobody` from a scratch copy of the package. It only records what each
call returned or raised: the comparison with the expected values happens in the checker, so
nothing that runs in this process ever sees the answers.
"""

import importlib
import json
import signal
import sys


def on_alarm(signum, frame):
    raise TimeoutError("call took more than 3 seconds")


def main():
    package, cases_path, out_path = sys.argv[1:4]
    sys.path.insert(0, ".")
    with open(cases_path) as fh:
        cases = json.load(fh)
    signal.signal(signal.SIGALRM, on_alarm)
    results = []
    try:
        module = importlib.import_module(package)
    except Exception as exc:  # a broken package: every call fails the same way
        results = [{"error": f"import failed: {type(exc).__name__}: {exc}"} for _ in cases]
        module = None
    for case in cases if module is not None else []:
        signal.alarm(3)
        try:
            value = getattr(module, case["func"])(*case["args"])
            outcome = {"value": json.loads(json.dumps(value))}
        except ValueError:
            outcome = {"raises": "ValueError"}
        except Exception as exc:
            outcome = {"error": f"{type(exc).__name__}: {exc}"[:200]}
        finally:
            signal.alarm(0)
        results.append(outcome)
    with open(out_path, "w") as fh:
        json.dump(results, fh)


if __name__ == "__main__":
    main()
