"""How often routing suggestions put the right university and the right expert first, on a
generated zone where the right answer is known.

    .venv/bin/python bench/routing_quality.py [--tickets 600] [--seed 11] [--out docs/benchmarks.md]

The zone: 6 universities with 6 experts each; each expert owns one of 36 fields (数控加工,
废水处理, 分子诊断 …) and also names a broad area shared with others (机械工程, 化学工程 …),
so the tags alone are ambiguous at the area level. Every field has six phrasings (equipment,
processes, symptoms: 数控机床, 五轴联动, 刀具磨损 …); the expert's solved problems (10 each) use
the first five, the sixth is held out and appears only in the test problems.

A test problem is about one expert's field and comes phrased one of three ways: with the
field's name itself (20%), with a part of it (数控 for 数控加工, 20%) or with its phrasings only
(60%, the hard case: no tag word at all); half of them also mention a phrase of another
field as noise, and a fifth are filed in another category than the field's. Experts carry
0–3 open tickets against a capacity of 8. Its right university is the expert's, and the
expert ranking is taken within that university (six candidates), as the liaison sees it.

Both rankings are measured twice: cold (no solved problems yet: the tags, load and nothing
else) and with the solved problems counted into the profiles (flask rebuild-routing).
The database is a fresh SQLite file unless --database-url names an empty database.
"""

from __future__ import annotations

import argparse
import random
import statistics
import sys
import tempfile
import time
from datetime import timedelta
from pathlib import Path
from typing import Any

from alembic import command

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench import words  # noqa: E402
from bench.markdown import put_section  # noqa: E402
from ticketing import create_app, db  # noqa: E402
from ticketing.accounts.models import ExpertProfile, RoleGrant, User  # noqa: E402
from ticketing.cli import alembic_config  # noqa: E402
from ticketing.orgs import credit_code  # noqa: E402
from ticketing.orgs.models import Enterprise, University  # noqa: E402
from ticketing.records import tallies as work_records  # noqa: E402
from ticketing.reports import tallies  # noqa: E402
from ticketing.routing import profiles  # noqa: E402
from ticketing.routing.suggest import suggest_experts, suggest_universities  # noqa: E402
from ticketing.tickets.models import Ticket  # noqa: E402

# field → (category, broad area, six phrasings; the last is never in a solved problem)
FIELDS: dict[str, tuple[str, str, tuple[str, ...]]] = {
    "数控加工": ("tech_upgrade", "机械工程", ("数控机床", "加工中心", "车铣复合", "刀具磨损", "五轴联动", "CNC程序")),
    "精密测量": ("tech_upgrade", "机械工程", ("三坐标测量", "尺寸检测", "形位公差", "测量误差", "量具校准", "在线检测")),
    "热处理": ("tech_upgrade", "机械工程", ("淬火", "回火", "渗碳", "硬度不均", "热处理炉", "退火工艺")),
    "焊接工艺": ("tech_upgrade", "机械工程", ("焊缝气孔", "激光焊", "焊接变形", "氩弧焊", "焊接机器人", "焊缝开裂")),
    "表面处理": ("tech_upgrade", "机械工程", ("电镀", "喷涂", "涂层脱落", "阳极氧化", "镀层", "防腐涂装")),
    "电机控制": ("product_rd", "电气工程", ("伺服电机", "变频调速", "电机驱动", "永磁同步电机", "转矩波动", "矢量控制")),
    "电力电子": ("product_rd", "电气工程", ("逆变器", "功率模块", "IGBT", "整流电路", "开关电源", "谐波治理")),
    "嵌入式系统": ("product_rd", "信息技术", ("单片机", "嵌入式软件", "固件升级", "ARM控制板", "实时操作系统", "采集板")),
    "工业软件": ("transformation", "信息技术", ("MES系统", "生产管理软件", "ERP对接", "数字化车间", "工业APP", "数据中台")),
    "机器视觉": ("breakthrough", "信息技术", ("视觉检测", "图像识别", "缺陷检测", "工业相机", "视觉定位", "深度学习识别")),
    "材料成型": ("tech_upgrade", "机械工程", ("注塑成型", "压铸", "锻造", "冲压成型", "模具设计", "挤压成型")),
    "复合材料": ("breakthrough", "材料科学", ("碳纤维", "玻璃钢", "树脂基", "层合板", "预浸料", "纤维增强")),
    "高分子材料": ("product_rd", "材料科学", ("塑料改性", "橡胶配方", "聚合物", "高分子膜", "老化性能", "聚氨酯")),
    "催化剂": ("breakthrough", "化学工程", ("催化活性", "分子筛", "催化裂化", "加氢催化", "贵金属催化", "载体制备")),
    "煤气化": ("tech_upgrade", "化学工程", ("气化炉", "水煤浆", "合成气", "煤焦油", "焦炉煤气", "气化效率")),
    "废水处理": ("tech_upgrade", "化学工程", ("污水处理", "废水排放", "COD超标", "膜生物反应器", "氨氮去除", "中水回用")),
    "生物发酵": ("product_rd", "生物医药", ("发酵罐", "菌种选育", "发酵工艺", "酶制剂", "益生菌", "发酵产率")),
    "分子诊断": ("product_rd", "生物医药", ("PCR检测", "核酸检测", "试剂盒", "基因测序", "荧光定量", "诊断试剂")),
    "药物制剂": ("product_rd", "生物医药", ("片剂", "缓释制剂", "注射剂", "药物辅料", "溶出度", "制剂工艺")),
    "食品安全": ("management", "生物医药", ("食品检测", "农残检测", "食品添加剂", "保质期", "微生物超标", "HACCP体系")),
    "物流优化": ("management", "管理科学", ("仓储管理", "配送路线", "库存周转", "物流成本", "智能仓库", "运输调度")),
    "质量管理": ("management", "管理科学", ("质量体系", "ISO9001", "不良率", "质量追溯", "六西格玛", "来料检验")),
    "企业管理": ("management", "管理科学", ("组织架构", "绩效考核", "战略规划", "股权激励", "管理制度", "成本管控")),
    "人才培养": ("talent", "管理科学", ("技能培训", "人才引进", "工程师培养", "校企联合培养", "技术骨干", "博士工作站")),
    "锂电池": ("product_rd", "新能源", ("锂离子电池", "正极材料", "容量衰减", "电解液", "电池管理系统", "电芯一致性")),
    "光伏发电": ("transformation", "新能源", ("光伏组件", "太阳能电池片", "光伏电站", "发电效率", "组件衰减", "光伏逆变")),
    "5G通信": ("breakthrough", "信息技术", ("5G基站", "射频前端", "天线设计", "信号覆盖", "通信模组", "毫米波")),
    "光电器件": ("breakthrough", "信息技术", ("光模块", "激光器", "光纤通信", "LED芯片", "光电探测器", "光学镀膜")),
    "节能减排": ("transformation", "新能源", ("余热回收", "能耗降低", "碳排放", "节能改造", "锅炉能效", "碳中和")),
    "冶金工艺": ("tech_upgrade", "材料科学", ("炼钢", "高炉", "连铸", "钢水成分", "轧钢", "烧结矿")),
    "液压传动": ("tech_upgrade", "机械工程", ("液压系统", "液压缸", "液压泵", "油温过高", "液压阀", "液压站")),
    "工业机器人": ("transformation", "机械工程", ("机械臂", "机器人集成", "示教编程", "协作机器人", "码垛机器人", "机器人轨迹")),
    "电网调度": ("breakthrough", "电气工程", ("配电网", "变电站", "负荷预测", "电力调度", "继电保护", "智能电网")),
    "煤矿安全": ("management", "管理科学", ("瓦斯监测", "矿井通风", "顶板支护", "安全监控", "井下定位", "粉尘防治")),
    "农产品加工": ("product_rd", "生物医药", ("杂粮加工", "小米深加工", "果蔬保鲜", "农产品烘干", "中药材加工", "农副产品")),
    "建筑材料": ("product_rd", "材料科学", ("混凝土", "水泥熟料", "保温材料", "砂浆", "装配式建筑", "固废建材")),
}  # fmt: skip
UNIVERSITIES = 6
HISTORY = 10  # solved problems per expert
CAPACITY = 8
CATEGORIES = (
    "product_rd",
    "tech_upgrade",
    "breakthrough",
    "transformation",
    "management",
    "talent",
)
PROBLEM = ("问题", "效率低", "不稳定", "成本偏高", "质量波动", "故障频发", "寿命偏短", "需要改进")


class World:
    """The generated zone: who owns which field."""

    def __init__(self, rng: random.Random) -> None:
        self.rng = rng
        fields = list(FIELDS)
        rng.shuffle(fields)
        self.field_of: dict[int, str] = {}  # expert id → field
        self.university_of: dict[int, int] = {}
        self.universities: list[tuple[int, str]] = []
        self.fields = fields

    def build(self) -> None:
        enterprise = Enterprise(
            name="测试企业", credit_code=credit_code.complete("91140400MA0000001")
        )
        filer = User(login="filer", name="特派员", password_hash="x")
        filer.grants = [RoleGrant(role="commissioner")]
        db.session.add_all([enterprise, filer])
        per = len(self.fields) // UNIVERSITIES
        for u in range(UNIVERSITIES):
            name, short = words.UNIVERSITIES[u]
            university = University(name=name, short_name=short)
            db.session.add(university)
            db.session.flush()
            self.universities.append((university.id, name))
            for field in self.fields[u * per : (u + 1) * per]:
                _category, area, _phrases = FIELDS[field]
                expert = User(
                    login=f"e{len(self.field_of)}",
                    name=words.person(self.rng) + str(len(self.field_of)),
                    password_hash="x",
                    university_id=university.id,
                )
                expert.grants = [RoleGrant(role="expert")]
                expert.expert_profile = ExpertProfile(
                    title="教授", expertise=f"{field}、{area}", capacity=CAPACITY
                )
                db.session.add(expert)
                db.session.flush()
                self.field_of[expert.id] = field
                self.university_of[expert.id] = university.id
        self.enterprise_id, self.filer_id = enterprise.id, filer.id
        self.serial = 0
        for expert_id in self.field_of:  # open work: 0–3 tickets each
            for _n in range(self.rng.randrange(4)):
                self.add(expert_id, "in_progress", self.rng.choice(words.EQUIPMENT) + "维护")
        db.session.flush()
        tallies.rebuild()  # each university's open work

    def add(self, expert_id: int, state: str, title: str, **fields: Any) -> None:
        self.serial += 1
        now = db.utcnow() - timedelta(days=self.rng.randrange(300))
        db.session.add(
            Ticket(
                number=f"Q-{self.serial:06d}",
                title=title[:200],
                description=fields.pop("description", "现场情况见附件。"),
                category=fields.pop("category", self.rng.choice(CATEGORIES)),
                state=state,
                enterprise_id=self.enterprise_id,
                filer_id=self.filer_id,
                university_id=self.university_of[expert_id],
                expert_id=expert_id,
                submitted_at=now,
                routed_at=now,
                expert_assigned_at=now,
                started_at=now,
                version=1,
                **fields,
            )
        )

    def history(self) -> None:
        """Ten solved problems per expert, phrased with the field's first five phrasings."""
        for expert_id, field in self.field_of.items():
            category, _area, phrases = FIELDS[field]
            for _n in range(HISTORY):
                first, second = self.rng.sample(phrases[:5], 2)
                self.add(
                    expert_id,
                    "closed",
                    f"{first}{self.rng.choice(PROBLEM)}",
                    description=f"{self.rng.choice(words.CONTEXT)}{second}方面{self.rng.choice(words.TRIED)}",
                    category=category,
                    resolution=words.resolution(self.rng),
                    resolved_at=db.utcnow(),
                    finished_at=db.utcnow(),
                    satisfaction=self.rng.randint(3, 5),
                )
        db.session.flush()

    def problems(self, count: int) -> list[tuple[Ticket, int, str]]:
        """Test problems: (ticket not saved, its right expert, how it is phrased)."""
        found = []
        experts = list(self.field_of)
        for _n in range(count):
            expert_id = self.rng.choice(experts)
            field = self.field_of[expert_id]
            category, _area, phrases = FIELDS[field]
            roll = self.rng.random()
            phrase = self.rng.choice(phrases)
            if roll < 0.2:
                mode, head = "field name", f"{field}中{phrase}"
            elif roll < 0.4:
                mode, head = "part of the name", f"{field[:2]}{phrase}"
            else:
                mode, head = "phrasings only", phrase
            title = f"{head}{self.rng.choice(PROBLEM)}"
            other = self.rng.choice(phrases)
            description = f"{self.rng.choice(words.CONTEXT)}{other}也受影响，"
            if self.rng.random() < 0.5:  # noise: another field's phrase
                noise_field = self.rng.choice([f for f in FIELDS if f != field])
                description += f"车间的{self.rng.choice(FIELDS[noise_field][2])}运行正常，"
            description += f"{self.rng.choice(words.TRIED)}{self.rng.choice(words.WANTED)}"
            if self.rng.random() < 0.2:
                category = self.rng.choice([c for c in CATEGORIES if c != category])
            ticket = Ticket(title=title, description=description, category=category)
            found.append((ticket, expert_id, mode))
        return found


def _rank(found: list[int], right: int) -> int:
    return found.index(right) + 1 if right in found else 99


def evaluate(world: World, problems: list[tuple[Ticket, int, str]]) -> dict[str, Any]:
    hits: dict[str, list[int]] = {"university": [], "expert": []}
    by_mode: dict[str, list[int]] = {}
    seconds = []
    for ticket, expert_id, mode in problems:
        ticket.university_id = None
        started = time.perf_counter()
        universities = suggest_universities(ticket, world.universities)
        ticket.university_id = world.university_of[expert_id]
        experts = suggest_experts(ticket)
        seconds.append(time.perf_counter() - started)
        hits["university"].append(
            _rank([s.id for s in universities], world.university_of[expert_id])
        )
        rank = _rank([s.id for s in experts], expert_id)
        hits["expert"].append(rank)
        by_mode.setdefault(mode, []).append(rank)
    return {"hits": hits, "by_mode": by_mode, "ms": 1000 * statistics.median(seconds)}


def _share(ranks: list[int], k: int) -> str:
    return f"{100 * sum(r <= k for r in ranks) / len(ranks):.1f}%"


def report(cold: dict[str, Any], warm: dict[str, Any], args: argparse.Namespace) -> str:
    lines = [
        "| profiles | university top-1 | university top-3 | expert top-1 | expert top-3 | median ms (both suggestions) |",
        "|---|---:|---:|---:|---:|---:|",
    ]
    for label, run in (
        ("cold: tags and load only", cold),
        ("with 10 solved problems per expert", warm),
    ):
        u, e = run["hits"]["university"], run["hits"]["expert"]
        lines.append(
            f"| {label} | {_share(u, 1)} | {_share(u, 3)} | {_share(e, 1)} | {_share(e, 3)} | {run['ms']:.1f} |"
        )
    lines += ["", "By phrasing (expert top-1 / top-3, cold → with solved problems):", ""]
    for mode in ("field name", "part of the name", "phrasings only"):
        c, w = cold["by_mode"].get(mode, []), warm["by_mode"].get(mode, [])
        if c:
            lines.append(
                f"- {mode} ({len(c)} problems): {_share(c, 1)} / {_share(c, 3)} → {_share(w, 1)} / {_share(w, 3)}"
            )
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--database-url")
    parser.add_argument("--tickets", type=int, default=600)
    parser.add_argument("--seed", type=int, default=11)
    parser.add_argument("--out", help="write the table into this file (docs/benchmarks.md)")
    args = parser.parse_args()
    url = args.database_url or "sqlite:///" + str(Path(tempfile.mkdtemp()) / "routing.sqlite")
    command.upgrade(alembic_config(url), "head")
    app = create_app({"DATABASE_URL": url})
    rng = random.Random(args.seed)
    with app.app_context():
        world = World(rng)
        world.build()
        problems = world.problems(args.tickets)
        cold = evaluate(world, problems)
        world.history()
        tallies.rebuild()
        work_records.rebuild()
        profiles.rebuild()
        warm = evaluate(world, problems)
        db.session.rollback()
    table = report(cold, warm, args)
    print(table)
    if args.out:
        write_section(Path(args.out), table, args)


HEADING = "## Routing suggestions: quality"


def write_section(path: Path, table: str, args: argparse.Namespace) -> None:
    command_line = f".venv/bin/python bench/routing_quality.py --tickets {args.tickets} --seed {args.seed} --out {args.out}"
    section = "\n".join(
        [
            HEADING,
            "",
            "How often the suggestions put the right university and the right expert first, on a",
            "generated zone with a known right answer (`bench/routing_quality.py` says how it is",
            "built: 6 universities × 6 experts, one field each, test problems phrased with the field's",
            "name, a part of it, or only its equipment and processes, half with another field's",
            "phrase as noise). The expert ranking is within the right university, as the liaison",
            "sees it; the university ranking is over all six (no partner university).",
            "",
            "```sh",
            command_line,
            "```",
            "",
            table,
            "",
        ]
    )
    put_section(path, HEADING, section)


if __name__ == "__main__":
    main()
