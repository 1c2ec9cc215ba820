"""The printed plan's checkpoint rotation section (Vietnamese): who stands where, when, why."""

from __future__ import annotations

import html
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import pandas as pd

    from hotspots.plan.game import CheckpointStrategy

__all__ = ["rotation_html", "STRATEGY_VI"]

#: The strategies in Vietnamese.
STRATEGY_VI = {
    "stackelberg": "luân phiên tối ưu theo trò chơi Stackelberg (đối tượng quan sát lịch chốt)",
    "fixed": "chốt cố định tại các điểm chặn nhiều lưu lượng nhất",
    "uniform": "luân phiên ngẫu nhiên đều giữa các điểm",
}


def _p(x: float) -> str:
    """``0,62 (62%)``: probability with a decimal comma and as a percentage."""
    return f"{x:.2f}".replace(".", ",") + f" ({x:.0%})"


def _num(x: float) -> str:
    return f"{x:.1f}".replace(".", ",")


def _shift_list(schedule: pd.DataFrame, site: int) -> str:
    """``N1 06:00, N3 22:00``: the shifts in which ``site`` is manned."""
    hits = [f"N{r.day} {r.shift}" for r in schedule.itertuples() if site in r.sites]
    return ", ".join(hits) if hits else "-"


def _place(site) -> str:
    """``Cửa khẩu: Kim Thành`` / ``Điểm trên tuyến: → Lào Cai``: kind and name."""
    from hotspots.maps.labels import label

    kind = label(str(site.get("kind", "")), "vi")
    name = str(site.get("name", "") or "")
    return f"{kind}: {name}" if name else kind


def rotation_html(game: CheckpointStrategy, schedule: pd.DataFrame) -> list[str]:
    """HTML parts: strategy, comparison with fixed and uniform, sites, shift table.

    Parameters
    ----------
    game
        The checkpoint strategy (:func:`~hotspots.plan.game.checkpoint_strategy`).
    schedule
        One row per shift: ``day``, ``date``, ``shift``, ``sites`` (site ids), ``names``.
    """
    e = html.escape
    u = game.defender_utility
    parts = [
        "<h2>Luân phiên chốt kiểm soát trên các tuyến trọng điểm</h2>",
        f"<p>Mỗi ca bố trí {game.teams} tổ chốt. Cách bố trí: "
        f"{e(STRATEGY_VI[game.strategy])}. Các điểm chốt của từng ca được rút ngẫu nhiên "
        "theo xác suất dưới đây, nên đối tượng theo dõi các chốt không đoán trước được ca "
        "nào, điểm nào có chốt.</p>",
        "<p>Giá trị kỳ vọng (tính theo số vụ trên tuyến: tuyến có chốt được cộng, tuyến "
        "bị bỏ trống bị trừ, khi đối tượng chọn tuyến có lợi nhất cho chúng sau khi quan "
        "sát cách bố trí): "
        f"luân phiên tối ưu <b>{_num(u['stackelberg'])}</b>; chốt cố định "
        f"{_num(u['fixed'])}; luân phiên đều {_num(u['uniform'])}.</p>",
        "<table><thead><tr><th>Chốt</th><th>Vị trí</th><th>Tuyến chặn</th>"
        "<th>Xác suất có chốt mỗi ca</th><th>Số ca trong kỳ</th><th>Các ca có chốt</th>"
        "<th>Lý do</th><th>Tọa độ (vĩ độ, kinh độ)</th></tr></thead><tbody>",
    ]
    sites = game.to_gdf().sort_values(["probability", "volume"], ascending=False)
    for _, s in sites.iterrows():
        n = sum(int(s["site"]) in row for row in schedule["sites"])
        parts.append(
            f'<tr><td class="n">{int(s["site"])}</td><td>{e(_place(s))}</td>'
            f"<td>{e(str(s['covers']))}</td>"
            f'<td class="n">{e(_p(float(s["probability"])))}</td><td class="n">{n}</td>'
            f"<td>{e(_shift_list(schedule, int(s['site'])))}</td>"
            f"<td>{e(str(s['reason']))}</td>"
            f"<td>{s.geometry.y:.3f}, {s.geometry.x:.3f}</td></tr>"  # ~100 m; GPX: exact
        )
    parts.append("</tbody></table>")
    resp = game.attacker_response()
    if len(resp) == 1:
        where = str(resp["corridor"].iloc[0])
    else:
        where = "; ".join(f"{r.type}: {r.corridor}" for r in resp.itertuples())
    text = f"Nếu đối tượng quan sát cách bố trí này, tuyến có lợi nhất cho chúng: {where}."
    if u["fixed"] < u["stackelberg"] - 1e-9:
        fixed = game.attacker_response("fixed")["corridor"].iloc[0]
        text += f" Nếu chốt cố định, chúng biết trước và đi {fixed}, tuyến không có chốt."
    parts.append(f"<p>{e(text)}</p>")
    unreached = float(game.info.get("unreached_volume") or 0.0)
    if unreached > 0:
        parts.append(
            f"<p>{unreached:.0f} vụ có hành trình không đi qua điểm chốt nào có thể đặt: "
            "không cách bố trí chốt nào chặn được; cần biện pháp khác.</p>"
        )
    parts.append("<h3>Lịch chốt theo ca</h3>")
    parts.append("<table><thead><tr><th>Ngày</th><th>Ca</th><th>Các điểm chốt</th></tr>")
    parts.append("</thead><tbody>")
    for r in schedule.itertuples():
        parts.append(
            f"<tr><td>Ngày {int(r.day)} ({e(r.date.strftime('%d/%m/%Y'))})</td>"
            f"<td>{e(str(r.shift))}</td><td>{e(str(r.names))}</td></tr>"
        )
    parts.append("</tbody></table>")
    return parts
