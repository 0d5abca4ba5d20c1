"""Render deploy/nginx.conf.j2 into an nginx site for several clinicbot instances.

    .venv/bin/python deploy/render_nginx.py \\
        --upstream 127.0.0.1:7861 --upstream 127.0.0.1:7862 \\
        --server-name chat.clinic.example --clinic-site https://www.clinic.example \\
        --staff-allow 192.0.2.0/24 \\
        --tls-cert /etc/ssl/clinicbot/fullchain.pem --tls-key /etc/ssl/clinicbot/privkey.pem \\
        > /etc/nginx/conf.d/clinicbot.conf

Without --tls-cert/--tls-key it renders a plain-HTTP server on --listen (the loopback variant
the deployment tests run). `--example` prints deploy/nginx.conf, the committed example.

The chat's Content-Security-Policy is taken from the app (`bot.web.security`), so the proxy's
header is the app's policy with frame-ancestors set to the clinic's site: re-render after an
upgrade that changes the app's policy (tests/deploy checks the example is current).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import jinja2

DEPLOY_DIR = Path(__file__).resolve().parent
sys.path.insert(0, str(DEPLOY_DIR.parent))  # run as a script from anywhere in the checkout

TEMPLATE = DEPLOY_DIR / "nginx.conf.j2"
EXAMPLE = DEPLOY_DIR / "nginx.conf"

# The values deploy/nginx.conf is rendered with (placeholders to replace on a real site).
EXAMPLE_ARGS = [
    "--upstream=127.0.0.1:7861",
    "--upstream=127.0.0.1:7862",
    "--server-name=chat.clinic.example",
    "--clinic-site=https://www.clinic.example",
    "--staff-allow=192.0.2.0/24",
    "--tls-cert=/etc/ssl/clinicbot/fullchain.pem",
    "--tls-key=/etc/ssl/clinicbot/privkey.pem",
]


def chat_csp() -> str:
    """The app's visitor-chat policy with frame-ancestors left to nginx's $clinic_site."""
    from bot.settings import Settings
    from bot.web.security import content_security_policy

    directives = content_security_policy(Settings(allowed_origins=[])).split("; ")
    return "; ".join(
        "frame-ancestors 'self' $clinic_site" if d.startswith("frame-ancestors ") else d
        for d in directives
    )


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description="Render the clinicbot nginx site.")
    parser.add_argument("--example", action="store_true", help="render deploy/nginx.conf")
    parser.add_argument(
        "--upstream", action="append", default=[], metavar="HOST:PORT", help="an app instance"
    )
    parser.add_argument("--server-name", default="chat.clinic.example")
    parser.add_argument(
        "--clinic-site", default="https://www.clinic.example", help="may embed the chat"
    )
    parser.add_argument(
        "--staff-allow", action="append", default=[], metavar="CIDR", help="may use /staff"
    )
    parser.add_argument("--prefix", default="/chat", help="public sub-path (app --root-path)")
    parser.add_argument("--tls-cert", help="certificate chain (PEM); with --tls-key: HTTPS")
    parser.add_argument("--tls-key", help="private key (PEM)")
    parser.add_argument("--listen", default="127.0.0.1:8080", help="plain-HTTP listen address")
    parser.add_argument("--access-log", default="/var/log/nginx/clinicbot.access.log")
    parser.add_argument("--chat-rate", default="5r/s", help="POSTs per client address")
    parser.add_argument("--chat-burst", type=int, default=30)
    parser.add_argument("--login-rate", default="10r/m", help="login POSTs per client address")
    parser.add_argument("--login-burst", type=int, default=5)
    parser.add_argument("--body-limit", default="64k", help="client_max_body_size")
    args = parser.parse_args((EXAMPLE_ARGS if "--example" in (argv or []) else []) + (argv or []))
    if not args.upstream:
        parser.error("give at least one --upstream HOST:PORT")
    if bool(args.tls_cert) != bool(args.tls_key):
        parser.error("--tls-cert and --tls-key go together")
    args.prefix = "/" + args.prefix.strip("/")
    if args.prefix == "/":
        parser.error("--prefix must be a sub-path such as /chat")
    return args


def render(args: argparse.Namespace) -> str:
    """The nginx configuration text for `args` (see parse_args)."""
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(DEPLOY_DIR),
        undefined=jinja2.StrictUndefined,
        keep_trailing_newline=True,
        autoescape=False,  # nginx syntax, not HTML
    )
    # Every option reaches the template under its own name; these are derived or defaulted.
    return env.get_template(TEMPLATE.name).render(
        vars(args),
        upstreams=args.upstream,
        staff_allow=args.staff_allow or ["127.0.0.1"],
        tls=bool(args.tls_cert),
        chat_csp=chat_csp(),
    )


def main(argv: list[str] | None = None) -> int:
    sys.stdout.write(render(parse_args(sys.argv[1:] if argv is None else argv)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
