"""docs/api.md's curl session, run through the test client command by command, so that the
document cannot drift from the API."""

from __future__ import annotations

import json
import re
import shlex
from pathlib import Path
from typing import Any

from tests.api_client import token_for

DOC = Path(__file__).parent.parent / "docs" / "api.md"
CAPTURE = re.compile(r"(\w+)=\$\((.*)\)")
JQ = re.compile(r"\s*\|\s*jq(?: -r)? '([^']*)'$")


def commands(text: str) -> list[str]:
    """The lines of the document's sh blocks, without comments and `export` lines."""
    lines = []
    for block in re.findall(r"```sh\n(.*?)```", text, re.S):
        for line in block.replace("\\\n", " ").splitlines():
            line = line.strip()
            if line and not line.startswith(("#", "export ")):
                lines.append(line)
    return lines


def jq(value: Any, path: str) -> Any:
    """The few jq paths the document uses: .name and .[n]."""
    for name, index in re.findall(r"\.(\w+)|\[(-?\d+)\]", path):
        value = value[name] if name else value[int(index)]
    return value


def curl(client: Any, line: str, env: dict[str, str]) -> tuple[Any, str | None]:
    """Run one curl command line (optionally piped into jq) through the test client."""
    filter_ = None
    if match := JQ.search(line):
        filter_, line = match.group(1), line[: match.start()]
    words = [re.sub(r"\$(\w+)", lambda m: env[m.group(1)], w) for w in shlex.split(line)]
    assert words[0] == "curl", line
    method, headers, data, url = "GET", {}, None, None
    rest = iter(words[1:])
    for word in rest:
        if word == "-X":
            method = next(rest)
        elif word == "-H":
            name, _, value = next(rest).partition(": ")
            headers[name] = value
        elif word == "-d":
            data = next(rest)
            method = "POST" if method == "GET" else method
        elif word.startswith("http"):
            url = word.removeprefix(env["BASE"])
        else:
            assert word == "-s", word
    response = client.open(url, method=method, headers=headers, data=data)
    return response, filter_


def test_the_curl_session_of_the_api_guide_works(app, world) -> None:
    env = {
        "BASE": "http://127.0.0.1:5000",
        "TOKEN": token_for(app, world.commissioner_a),
        "ADMIN_TOKEN": token_for(app, world.admin),
    }
    client = app.test_client()
    lines = commands(DOC.read_text(encoding="utf-8"))
    assert len(lines) >= 8
    answers = []
    for line in lines:
        capture = CAPTURE.fullmatch(line)
        response, filter_ = curl(client, capture.group(2) if capture else line, env)
        answers.append(response)
        if capture:
            assert response.status_code in (200, 201), (line, response.get_json())
            env[capture.group(1)] = str(jq(response.get_json(), filter_ or "."))
    statuses = [response.status_code for response in answers]
    assert statuses == [200, 201, 200, 200, 200, 200, 200, 412, 200], statuses
    history = json.loads(answers[-1].get_data())["history"]
    assert [event["action"] for event in history] == ["create", "submit", "route"]
    assert history[-1]["to_state"] == "university_assigned"
    assert env["ENTERPRISE"] == str(world.enterprise_a.id)
