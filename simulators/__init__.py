"""Stand-alone local services that play outside providers in the demo and in the tests.

Each speaks the real protocol on 127.0.0.1 (SMTP, an HTTP JSON SMS-gateway API, RFC 8030 web
push) and has a small HTTP JSON state API (under `/_sim/`) that tests and benchmarks read: what
was received, how many duplicates, and the fault modes to play. None of them needs Django.

    python -m simulators --state-dir var/simulators      # all three; ports in ports.json
    python -m simulators.smtp_sink --port 0 --api-port 0  # one of them (0 = any free port)
"""
