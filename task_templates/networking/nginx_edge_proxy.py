"""Configure nginx, run unprivileged, as the edge of a small site on loopback.

The agent writes one complete nginx configuration: static files from a document root, one or two
path prefixes proxied to upstream services (one stripping its prefix, one keeping it — the
`proxy_pass` trailing-slash trap), a blocked prefix answering a fixed status, and a response
header on every answer. Medium adds header forwarding, hidden/backup files that must not leak,
a permanent redirect and the header on error responses (`add_header ... always`); hard adds a
second upstream, a request-body limit, a custom 404 page kept outside the document root, and
cache headers on assets (where a nested `add_header` silently drops the inherited one).

The checker starts the upstreams from its own copy of the service, validates the config with
`nginx -t`, runs nginx as `nobody` exactly as the instruction says, and probes it with paths,
query strings and Host names the agent never saw.
"""

from __future__ import annotations

import random
import textwrap
from dataclasses import dataclass, field

from litecoder_harbor.gen.templates import Instance, TemplateFamily, register
from litecoder_harbor.tasks.conventions import Difficulty, Domain

SITES = [
    "atlas",
    "beacon",
    "cobalt",
    "dune",
    "ember",
    "fjord",
    "garnet",
    "halcyon",
    "iris",
    "juniper",
    "kestrel",
    "lumen",
    "meridian",
    "nimbus",
    "orchid",
    "pylon",
]
BASES = ["/srv/{site}", "/opt/{site}", "/app/{site}", "/var/www/{site}"]
CONF_NAMES = ["nginx.conf", "edge.conf", "{site}.conf", "proxy.conf", "site.conf"]
PUBLIC_DIRS = ["public", "www", "htdocs", "static", "webroot"]
API_PREFIXES = ["api", "svc", "backend", "rpc", "data", "v2"]
AUTH_PREFIXES = ["auth", "accounts", "identity", "session", "sso"]
BLOCKED_PREFIXES = ["internal", "admin", "private", "ops", "debug", "staff"]
BLOCKED_STATUSES = [403, 410, 451]
SERVICES = ["orders", "catalog", "billing", "search", "inventory", "profiles", "ledger", "quotes"]
AUTH_SERVICES = ["authd", "tokens", "gatekeeper", "keyring", "passport"]
HEADERS = [
    "X-Edge-Token",
    "X-Served-By",
    "X-Frontend",
    "X-Gateway-Id",
    "X-Site-Tag",
    "X-Proxy-Node",
]
OLD_PREFIXES = ["old-docs", "legacy", "manual-v1", "kb", "wiki"]
NEW_DIRS = ["docs", "guide", "help", "handbook", "manual"]
PAGES = ["about", "contact", "pricing", "status", "team", "careers", "press", "faq"]
DOC_PAGES = ["install", "upgrade", "backup", "tuning", "faq", "security", "quickstart"]
WORDS = ["alpha", "bravo", "delta", "kilo", "lima", "oscar", "papa", "romeo", "tango", "zulu"]

OPENINGS = [
    "The `{site}` website needs an nginx front end on this machine.",
    "We are moving the `{site}` site behind nginx, and you are doing the configuration.",
    "Set up nginx as the edge server for the `{site}` site, which lives under `{base}`.",
    "The `{site}` team wants a single nginx entry point in front of their files and services.",
]
RUN_NOTES = [
    "nginx will not run as root here.",
    "This nginx runs unprivileged.",
    "The server must work without root privileges.",
]


def _token(rng: random.Random, n: int = 10) -> str:
    return "".join(rng.choice("abcdefghjkmnpqrstuvwxyz23456789") for _ in range(n))


def _html(title: str, rng: random.Random) -> str:
    return (
        f"<!doctype html>\n<html><head><title>{title}</title></head>\n"
        f"<body><h1>{title}</h1><p>build {_token(rng, 12)}</p></body></html>\n"
    )


@dataclass
class Drawn:
    """One task's site, paths, port, header and services; the site's files added step by step."""

    difficulty: Difficulty
    medium_up: bool
    hard: bool
    site: str
    base: str
    conf: str
    public_name: str
    public: str
    run_dir: str
    port: int
    ports: list[int]
    header: tuple[str, str]
    files: dict[str, str] = field(default_factory=dict)  # path relative to `base`
    pages: list[str] = field(default_factory=list)
    new_dir: str = ""
    old_prefix: str = ""
    docs: list[str] = field(default_factory=list)
    secrets: dict[str, str] = field(default_factory=dict)
    not_found_page: str = ""
    api: dict = field(default_factory=dict)
    upstreams: list[dict] = field(default_factory=list)
    blocked: str = ""
    blocked_status: int = 0
    body_limit_kib: int = 0
    max_age: int = 0


def _draw(rng: random.Random, difficulty: Difficulty) -> Drawn:
    """Draw the site, its paths, the listening port, the upstream ports and the header."""
    medium_up = difficulty is not Difficulty.EASY
    hard = difficulty is Difficulty.HARD
    site = rng.choice(SITES)
    base = rng.choice(BASES).format(site=site)
    conf = f"{base}/{rng.choice(CONF_NAMES).format(site=site)}"
    public_name = rng.choice(PUBLIC_DIRS)
    public = f"{base}/{public_name}"
    run_dir = f"/tmp/{site}-{rng.choice(['nginx', 'edge', 'run', 'www'])}"
    port = rng.randrange(8100, 8990)
    ports = rng.sample(range(9100, 9990), 2)
    header = (rng.choice(HEADERS), _token(rng, 12))
    return Drawn(
        difficulty=difficulty,
        medium_up=medium_up,
        hard=hard,
        site=site,
        base=base,
        conf=conf,
        public_name=public_name,
        public=public,
        run_dir=run_dir,
        port=port,
        ports=ports,
        header=header,
    )


def _site_files(rng: random.Random, d: Drawn, backend: str) -> None:
    """The site on disk: pages, docs, assets, (medium up) leftovers to hide, (hard) a 404 page."""
    medium_up, hard, site, public_name, files = d.medium_up, d.hard, d.site, d.public_name, d.files
    pages = rng.sample(PAGES, 3)
    new_dir, old_prefix = rng.choice(NEW_DIRS), rng.choice(OLD_PREFIXES)
    docs = rng.sample(DOC_PAGES, 3)
    files[f"{public_name}/index.html"] = _html(f"{site} home", rng)
    for page in pages:
        files[f"{public_name}/{page}.html"] = _html(f"{site} {page}", rng)
    for doc in docs:
        files[f"{public_name}/{new_dir}/{doc}.html"] = _html(f"{doc} guide", rng)
    files[f"{public_name}/css/site.css"] = (
        f"/* {site} {_token(rng)} */\nbody {{ font-family: sans-serif; color: #{rng.randrange(0x1000000):06x}; }}\n"
    )
    files[f"{public_name}/js/app.js"] = f"// {site} {_token(rng)}\nconsole.log('{_token(rng)}');\n"
    secrets = {
        f"{public_name}/.env": f"DB_PASSWORD={_token(rng, 16)}\n",
        f"{public_name}/{new_dir}/.htpasswd": f"admin:$apr1${_token(rng, 8)}${_token(rng, 22)}\n",
        f"{public_name}/{pages[0]}.html.bak": _html(f"{site} old {pages[0]}", rng),
        f"{public_name}/index.html.orig": _html(f"{site} draft home", rng),
    }
    if medium_up:
        files.update(secrets)
    not_found_page = (
        f"<!doctype html>\n<html><body><h1>Nothing here</h1>"
        f"<p>{site} error page {_token(rng, 12)}</p></body></html>\n"
    )
    if hard:
        files["errors/404.html"] = not_found_page
    files["upstream/service.py"] = backend
    d.pages, d.new_dir, d.old_prefix, d.docs = pages, new_dir, old_prefix, docs
    d.secrets, d.not_found_page = secrets, not_found_page


def _services(rng: random.Random, d: Drawn) -> None:
    """The upstream services and their prefixes, the blocked prefix, the limits."""
    hard, ports = d.hard, d.ports
    api_prefix = rng.choice(API_PREFIXES)
    api = {"name": rng.choice(SERVICES), "port": ports[0], "prefix": f"/{api_prefix}/"}
    api["strip"] = rng.random() < 0.5
    upstreams = [api]
    if hard:
        auth = {
            "name": rng.choice(AUTH_SERVICES),
            "port": ports[1],
            "prefix": f"/{rng.choice(AUTH_PREFIXES)}/",
            "strip": not api["strip"],
        }
        upstreams.append(auth)
    blocked = rng.choice(BLOCKED_PREFIXES)
    blocked_status = rng.choice(BLOCKED_STATUSES)
    body_limit_kib = rng.choice([2, 4, 8, 16])
    max_age = rng.choice([300, 600, 3600, 86400])
    d.api, d.upstreams, d.blocked, d.blocked_status = api, upstreams, blocked, blocked_status
    d.body_limit_kib, d.max_age = body_limit_kib, max_age


def _expected(rng: random.Random, d: Drawn) -> dict:
    """Ground truth: the requests the checker makes and what each must get."""
    medium_up, hard, site, base, conf, run_dir, port, header = (
        d.medium_up,
        d.hard,
        d.site,
        d.base,
        d.conf,
        d.run_dir,
        d.port,
        d.header,
    )
    files, public_name, pages, new_dir, old_prefix, docs, secrets, not_found_page = (
        d.files,
        d.public_name,
        d.pages,
        d.new_dir,
        d.old_prefix,
        d.docs,
        d.secrets,
        d.not_found_page,
    )
    api, upstreams, blocked, blocked_status, body_limit_kib, max_age = (
        d.api,
        d.upstreams,
        d.blocked,
        d.blocked_status,
        d.body_limit_kib,
        d.max_age,
    )

    def proxy_probe(up, tail):
        request = up["prefix"] + tail
        seen = "/" + tail if up["strip"] else request
        return {"request": request, "service": up["name"], "path": seen}

    probes_proxy = []
    for up in upstreams:
        probes_proxy.append(
            proxy_probe(up, f"{rng.choice(WORDS)}/{_token(rng, 6)}?q={_token(rng, 5)}&n=7")
        )
        probes_proxy.append(proxy_probe(up, f"{_token(rng, 8)}"))
    expected = {
        "conf": conf,
        "run_dir": run_dir,
        "port": port,
        "header": list(header),
        "header_always": medium_up,
        "upstreams": [{"name": u["name"], "port": u["port"]} for u in upstreams],
        "static": [
            {"request": "/", "body": files[f"{public_name}/index.html"]},
            {"request": f"/{pages[1]}.html", "body": files[f"{public_name}/{pages[1]}.html"]},
            {
                "request": f"/{new_dir}/{docs[0]}.html",
                "body": files[f"{public_name}/{new_dir}/{docs[0]}.html"],
            },
        ],
        "proxy": probes_proxy,
        "blocked": {
            "requests": [f"/{blocked}/", f"/{blocked}/{_token(rng, 6)}/{rng.choice(WORDS)}"],
            "status": blocked_status,
        },
        "forward": None,
        "hidden": [],
        "redirect": None,
        "upload": None,
        "not_found": None,
        "cache": None,
        "files": {f"{base}/{path}": text for path, text in sorted(files.items())},
    }
    if medium_up:
        expected["forward"] = {
            "request": api["prefix"] + _token(rng, 7),
            "host": f"{_token(rng, 6)}.{site}.test",
        }
        expected["hidden"] = ["/" + p.split("/", 1)[1] for p in sorted(secrets)]
        expected["redirect"] = {
            "request": f"/{old_prefix}/{docs[1]}.html",
            "location": f"/{new_dir}/{docs[1]}.html",
        }
    if hard:
        expected["upload"] = {
            "request": api["prefix"] + "upload/" + _token(rng, 5),
            "limit": body_limit_kib * 1024,
        }
        expected["not_found"] = {
            "request": f"/{_token(rng, 9)}.html",
            "body": not_found_page,
        }
        expected["cache"] = {
            "assets": ["/css/site.css", "/js/app.js"],
            "page": f"/{pages[2]}.html",
            "max_age": max_age,
        }
    return expected


def _instruction(rng: random.Random, d: Drawn) -> str:
    """The task text: the requirements (first fixed, the rest shuffled) and how nginx is run."""
    medium_up, hard, site, base, conf, public, run_dir, port, header = (
        d.medium_up,
        d.hard,
        d.site,
        d.base,
        d.conf,
        d.public,
        d.run_dir,
        d.port,
        d.header,
    )
    new_dir, old_prefix, api, upstreams, blocked, blocked_status, body_limit_kib, max_age = (
        d.new_dir,
        d.old_prefix,
        d.api,
        d.upstreams,
        d.blocked,
        d.blocked_status,
        d.body_limit_kib,
        d.max_age,
    )

    def route_rule(up):
        example = f"{up['prefix']}v9/list?page=2"
        seen = "/v9/list?page=2" if up["strip"] else example
        how = (
            f"with the `{up['prefix'].rstrip('/')}` prefix removed"
            if up["strip"]
            else "with the path left exactly as the client sent it"
        )
        return (
            f"Requests whose path starts with `{up['prefix']}` are proxied to the "
            f"`{up['name']}` service at `127.0.0.1:{up['port']}`, {how} (for example "
            f"`{example}` must reach the service as `{seen}`; query strings are kept)."
        )

    rules = [
        f"Listen on `127.0.0.1:{port}` (plain HTTP).",
        f"Serve static files from `{public}` for every other path; `/` serves "
        f"`{public}/index.html`.",
        *[route_rule(up) for up in upstreams],
        f"Every path under `/{blocked}/` is answered by nginx itself with status "
        f"`{blocked_status}` and is never proxied or served from disk.",
        f"Every response carries the header `{header[0]}: {header[1]}`"
        + (
            " — including error responses (4xx) and redirects."
            if medium_up
            else " (successful responses are what counts)."
        ),
    ]
    if medium_up:
        rules += [
            f"The `{api['name']}` service must see the `Host` header exactly as the client "
            "sent it, and an `X-Forwarded-For` header containing the client's address.",
            "Never serve hidden files or editor/backup leftovers: any request whose path has a "
            "segment starting with `.`, or that ends in `.bak` or `.orig`, gets status `404`.",
            f"The old documentation location `/{old_prefix}/` is gone: `/{old_prefix}/<rest>` "
            f"answers `301` with a `Location` pointing to `/{new_dir}/<rest>`.",
        ]
    if hard:
        rules += [
            f"Request bodies sent to the `{api['name']}` service may be at most "
            f"{body_limit_kib} KiB ({body_limit_kib * 1024} bytes); larger ones are refused "
            "with `413` before reaching it. Smaller bodies are passed through unchanged.",
            f"A path that matches no file answers `404` with the body of "
            f"`{base}/errors/404.html` (that file stays where it is, outside `{public}`).",
            "`.css` and `.js` files are sent with `Cache-Control: max-age="
            f"{max_age}`; HTML pages must not carry a `max-age`.",
        ]
    first, *others = rules
    rng.shuffle(others)
    rules = [first, *others]
    run_cmd = f"nginx -p {run_dir}/ -c {conf} -e {run_dir}/error.log -g 'daemon off;'"
    services = "\n".join(
        f"    python3 {base}/upstream/service.py --port {u['port']} --name {u['name']}"
        for u in upstreams
    )
    instruction = "\n".join(
        [
            rng.choice(OPENINGS).format(site=site, base=base),
            f"Write a complete nginx configuration (a full main config, with `events` and "
            f"`http` blocks) to `{conf}`.",
            "",
            "Requirements:",
            *[f"- {rule}" for rule in rules],
            "",
            f"How it will be run: {rng.choice(RUN_NOTES)} A fresh empty directory "
            f"`{run_dir}/` owned by user `nobody` is created, and then, as user `nobody`:",
            "",
            f"    nginx -t -p {run_dir}/ -c {conf} -e {run_dir}/error.log -g 'daemon off;'",
            f"    {run_cmd}",
            "",
            "so every file nginx writes (its pid file, logs and the client-body, proxy, "
            f"fastcgi, uwsgi and scgi temp directories) must live under `{run_dir}/`, and the "
            "config must not set `daemon` itself. The upstream "
            + ("services are" if hard else "service is")
            + " started beforehand with:",
            "",
            services,
            "",
            f"You can start them the same way to test. Do not change anything under `{base}` "
            "other than the config file.",
        ]
    )
    return instruction


def _nginx_config(d: Drawn) -> str:
    """The reference nginx configuration."""
    medium_up, hard, base, public, run_dir, port, header = (
        d.medium_up,
        d.hard,
        d.base,
        d.public,
        d.run_dir,
        d.port,
        d.header,
    )
    upstreams, blocked, blocked_status, old_prefix, new_dir, body_limit_kib, max_age = (
        d.upstreams,
        d.blocked,
        d.blocked_status,
        d.old_prefix,
        d.new_dir,
        d.body_limit_kib,
        d.max_age,
    )
    always = " always" if medium_up else ""
    add_header = f"add_header {header[0]} {header[1]}{always};"
    loc = []
    for up in upstreams:
        target = f"http://127.0.0.1:{up['port']}" + ("/" if up["strip"] else "")
        body = [f"proxy_pass {target};"]
        if medium_up:
            body += [
                "proxy_set_header Host $host;",
                "proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;",
            ]
        if hard and up is upstreams[0]:
            body.append(f"client_max_body_size {body_limit_kib}k;")
        loc.append((f"location ^~ {up['prefix']}", body))
    loc.append((f"location ^~ /{blocked}/", [f"return {blocked_status};"]))
    if medium_up:
        loc.append(
            (
                f"location ^~ /{old_prefix}/",
                [f"rewrite ^/{old_prefix}/(.*)$ /{new_dir}/$1 permanent;"],
            )
        )
        loc.append((r"location ~ (^|/)\.", ["return 404;"]))
        loc.append((r"location ~ \.(bak|orig)$", ["return 404;"]))
    if hard:
        loc.append(("location = /404.html", [f"root {base}/errors;", "internal;"]))
        loc.append(
            (
                r"location ~* \.(css|js)$",
                [f'add_header Cache-Control "max-age={max_age}";', add_header],
            )
        )
    server = [
        f"listen 127.0.0.1:{port};",
        f"root {public};",
        "index index.html;",
        add_header,
    ]
    if hard:
        server.append("error_page 404 /404.html;")
    server_text = "\n".join(server)
    for head, body in loc:
        server_text += f"\n\n{head} {{\n" + textwrap.indent("\n".join(body), "    ") + "\n}"
    http = [
        "include /etc/nginx/mime.types;",
        "default_type application/octet-stream;",
        f"access_log {run_dir}/access.log;",
        f"client_body_temp_path {run_dir}/client_body;",
        f"proxy_temp_path {run_dir}/proxy;",
        f"fastcgi_temp_path {run_dir}/fastcgi;",
        f"uwsgi_temp_path {run_dir}/uwsgi;",
        f"scgi_temp_path {run_dir}/scgi;",
        "",
        "server {",
        textwrap.indent(server_text, "    "),
        "}",
    ]
    config = "\n".join(
        [
            "worker_processes 1;",
            f"pid {run_dir}/nginx.pid;",
            "",
            "events {",
            "    worker_connections 256;",
            "}",
            "",
            "http {",
            textwrap.indent("\n".join(http), "    "),
            "}",
        ]
    )
    return config


def _probes(d: Drawn) -> list[str]:
    """curl commands the reference solution runs to show the config works."""
    medium_up, hard, port, header, upstreams, blocked, old_prefix, body_limit_kib = (
        d.medium_up,
        d.hard,
        d.port,
        d.header,
        d.upstreams,
        d.blocked,
        d.old_prefix,
        d.body_limit_kib,
    )
    probes = [f"curl -s -D - -o /dev/null http://127.0.0.1:{port}/"]
    for up in upstreams:
        probes.append(f"curl -s 'http://127.0.0.1:{port}{up['prefix']}probe/1?x=y'; echo")
    probes.append(
        f"curl -s -o /dev/null -w '%{{http_code}}\\n' http://127.0.0.1:{port}" + f"/{blocked}/probe"
    )
    if medium_up:
        probes.append(
            f"curl -s -o /dev/null -w '%{{http_code}} %{{redirect_url}}\\n' "
            f"http://127.0.0.1:{port}/{old_prefix}/x.html"
        )
        probes.append(f"curl -s -o /dev/null -w '%{{http_code}}\\n' http://127.0.0.1:{port}/.env")
    if hard:
        probes.append(
            f"head -c {body_limit_kib * 1024 + 100} /dev/zero | curl -s -o /dev/null "
            f"-w '%{{http_code}}\\n' --data-binary @- http://127.0.0.1:{port}"
            f"{upstreams[0]['prefix']}upload"
        )
        probes.append(
            f"curl -s -I http://127.0.0.1:{port}/css/site.css | grep -i -e cache -e {header[0]}"
        )
    return probes


@register
class NginxEdgeProxy(TemplateFamily):
    name = "nginx-edge-proxy"
    result_paths = ("/srv", "/opt", "/app", "/var/www")  # the site folder is drawn per seed
    domain = Domain.NETWORKING
    description = (
        "Write an nginx config that runs unprivileged on loopback: static root, prefix "
        "proxies to upstream services, blocked paths, headers, redirects and limits."
    )

    def generate(self, rng: random.Random, difficulty: Difficulty) -> Instance:
        drawn = _draw(rng, difficulty)
        _site_files(rng, drawn, self.asset("backend.py"))
        _services(rng, drawn)
        expected = _expected(rng, drawn)
        instruction = _instruction(rng, drawn)
        files, base, hard = drawn.files, drawn.base, drawn.hard
        return Instance(
            instruction=instruction,
            solution=self._solution(drawn),
            checker=self.asset("check.py"),
            expected=expected,
            files={f"site/{path}": text for path, text in files.items()},
            dockerfile=f"COPY site/ {base}/\n",
            test_files={"upstream.py": self.asset("backend.py")},
            tags=["nginx", "reverse-proxy", "http"] + (["rate-limits"] if hard else []),
        )

    def _solution(self, d: Drawn) -> str:
        """solve.sh: start the services, write the reference config, probe it."""
        base, conf, public, run_dir, port, upstreams = (
            d.base,
            d.conf,
            d.public,
            d.run_dir,
            d.port,
            d.upstreams,
        )
        config = _nginx_config(d)
        starts = "\n".join(
            f"python3 {base}/upstream/service.py --port {u['port']} --name {u['name']} &\n"
            f"pids+=($!)"
            for u in upstreams
        )
        probes = _probes(d)
        return (
            self.asset("solve.sh")
            .replace("@STARTS@", starts)
            .replace("@CONFIG@", config)
            .replace("@PROBES@", "\n".join(probes))
            .replace("@BASE@", base)
            .replace("@CONF@", conf)
            .replace("@PUBLIC@", public)
            .replace("@RUN@", run_dir)
            .replace("@PORT@", str(port))
        )
