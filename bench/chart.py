"""results.json → docs/benchmarks.png. Runs in .tools/bench (matplotlib is not in .venv)."""

from __future__ import annotations

import json
import sys

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402


def main(results_path: str, png_path: str) -> None:
    results = json.loads(open(results_path, encoding="utf-8").read())
    bars = [
        ("container\n(nginx+gunicorn)", results["dynamic"]["container"], "dynamic"),
        ("bare\ngunicorn", results["dynamic"]["gunicorn"], "dynamic"),
        ("nginx+\nuWSGI", results["dynamic"]["nginx_uwsgi"], "dynamic"),
        ("Flask dev\nserver", results["dynamic"]["flask_dev"], "dynamic"),
        ("container\n+256 slow", results["slow"]["container"], "slow clients"),
        ("gunicorn\n+256 slow", results["slow"]["gunicorn"], "slow clients"),
        ("static via\nnginx", results["static"]["nginx"], "static"),
        ("static via\nFlask", results["static"]["flask"], "static"),
    ]
    colours = {"dynamic": "#4878a8", "slow clients": "#d08040", "static": "#60a060"}
    fig, ax = plt.subplots(figsize=(10, 4.5), dpi=100)
    for i, (_label, result, group) in enumerate(bars):
        ax.bar(i, result["requests_per_second"], color=colours[group], label=group)
        ax.text(
            i,
            result["requests_per_second"],
            f"{result['requests_per_second']:,.0f}",
            ha="center",
            va="bottom",
        )
    handles, labels = ax.get_legend_handles_labels()
    unique = dict(zip(labels, handles, strict=True))
    ax.legend(unique.values(), unique.keys())
    ax.set_xticks(range(len(bars)), [b[0] for b in bars], fontsize=8)
    ax.set_ylabel("requests per second (wrk)")
    ax.set_title(
        f"flask.com serving benchmarks, {results['date']} ({results['workers']} workers each, loopback)"
    )
    fig.tight_layout()
    fig.savefig(png_path)


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])
