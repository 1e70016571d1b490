"""The words of the generated zone: names, problems, remarks (Chinese), drawn at random."""

from __future__ import annotations

import random
from datetime import datetime, timedelta, timezone

CST = timezone(timedelta(hours=8), "CST")  # Asia/Shanghai has no daylight saving time

PARKS = (
    "5G产业园", "高端电气产业园", "精密制造产业园", "淮海科技产业园", "新材料产业园",
    "生物医药产业园", "现代煤化工园区", "智能装备园", "光电产业园", "数字经济产业园",
    "节能环保产业园", "现代物流园",
)  # fmt: skip
COUNTIES = (
    ("潞州区", "140403"), ("上党区", "140404"), ("屯留区", "140405"), ("潞城区", "140406"),
    ("襄垣县", "140423"), ("平顺县", "140425"), ("黎城县", "140426"), ("壶关县", "140427"),
    ("长子县", "140428"), ("武乡县", "140429"), ("沁县", "140430"), ("沁源县", "140431"),
    ("尧都区", "141002"), ("侯马市", "141081"), ("霍州市", "141082"),
)  # fmt: skip
UNIVERSITIES = (
    ("中北大学", "中北"), ("武汉理工大学", "武理工"), ("北京航空航天大学", "北航"),
    ("上海理工大学", "上理工"), ("山西电子科技学院", "山电科"), ("中北大学—长治产业研究院", "中北长治院"),
    ("太原理工大学", "太理工"), ("山西大学", "山大"), ("长治学院", "长治学院"),
    ("山西医科大学", "山医大"), ("西安交通大学", "西交大"), ("哈尔滨工业大学", "哈工大"),
    ("大连理工大学", "大工"), ("天津大学", "天大"), ("华中科技大学", "华科"),
    ("东北大学", "东大"), ("中国矿业大学", "矿大"), ("山西农业大学", "山农大"),
    ("太原科技大学", "太科大"), ("中国科学院山西煤炭化学研究所", "煤化所"),
)  # fmt: skip
INDUSTRIES = (
    "精密机械", "电气设备", "新材料", "生物科技", "煤化工", "光电", "5G通信", "汽车零部件",
    "节能环保", "医药", "食品加工", "智能装备", "冶金", "电子信息",
)  # fmt: skip
PREFIXES = "恒锐华鑫晋丰泰达宏昌瑞康德隆嘉盛安泰中兴博远科创天成明远金源卓越"
ROADS = ("太行东街", "英雄南路", "长兴路", "捉马东大街", "漳泽路", "紫金西街", "潞安大道", "壶口路")
SURNAMES = "王李张刘陈杨赵黄周吴徐孙马胡郭何高林罗郑梁宋谢韩唐冯董程曹袁邓许傅申牛秦郝常侯连崔段贾"
GIVEN = "伟芳娜敏静丽强磊军洋勇艳杰涛明超秀霞平刚桂英华玉兰建国志强海燕晓东红梅国庆文博子涵"
TITLES = ("教授", "副教授", "研究员", "高级工程师", "博士", "讲师")
FIELDS = (
    "数控加工", "精密测量", "热处理", "焊接工艺", "表面处理", "电机控制", "电力电子", "嵌入式系统",
    "工业软件", "机器视觉", "材料成型", "复合材料", "高分子材料", "催化剂", "煤气化", "废水处理",
    "生物发酵", "分子诊断", "药物制剂", "食品安全", "物流优化", "质量管理", "企业管理", "人才培养",
)  # fmt: skip

EQUIPMENT = (
    "数控机床", "注塑机", "空压机", "变频器", "锅炉", "换热器", "输送带", "机械手", "激光切割机",
    "冲压机", "电镀线", "发酵罐", "离心机", "反应釜", "精馏塔", "球磨机", "烘干窑", "污水处理站",
    "光伏逆变器", "储能电池包", "伺服电机", "减速机", "液压站", "测序仪", "PCR仪", "光模块",
    "5G基站天线", "变压器", "开关柜", "电缆挤出机",
)  # fmt: skip
PARTS = (
    "主轴", "轴承", "密封件", "控制系统", "冷却系统", "传感器", "模具", "焊缝", "涂层", "电路板",
    "散热器", "叶轮", "阀门", "管路", "软件", "绕组", "刀具", "导轨", "齿轮箱", "滤网",
)  # fmt: skip
SYMPTOMS = (
    "温升过高", "振动异常", "精度下降", "寿命偏短", "能耗偏高", "良品率低", "噪声超标", "频繁报警",
    "腐蚀严重", "效率不足", "数据无法采集", "工艺不稳定", "泄漏", "开裂", "响应迟缓", "成本过高",
    "国产化替代", "智能化改造", "检测效率低", "排放不达标",
)  # fmt: skip
CONTEXT = (
    "连续生产两小时后问题明显，", "夏季高温时更为突出，", "更换批次原料后出现，", "设备运行三年后逐渐显现，",
    "客户验收时被指出，", "产线提速后出现，", "试产阶段发现，", "夜班时段故障率更高，",
)  # fmt: skip
TRIED = (
    "已自行更换部分零件但效果有限。", "请过厂家服务，问题仍反复出现。", "调整过工艺参数，暂时缓解。",
    "内部技术人员尚无成熟方案。", "同类企业也面临此问题。", "已收集近三个月的运行数据。",
)  # fmt: skip
WANTED = (
    "希望高校专家帮助分析原因并给出改进方案。", "希望联合开展技术攻关。", "需要引进相关方向的技术人才。",
    "希望获得检测和验证支持。", "希望形成可推广的工艺标准。", "希望评估改造的投入和收益。",
)  # fmt: skip
FIXES = (
    "优化了工艺参数并更换关键部件", "重新设计了冷却回路", "引入在线监测并建立预警模型",
    "改进了材料配方", "调整了控制算法", "完成了设备改造并培训了操作人员",
)  # fmt: skip
RESULTS = ("问题已明显改善", "良品率提升约12%", "能耗下降约8%", "故障率下降一半", "已通过客户验收")

REASONS = {
    "return": ("本校暂无相关方向专家", "问题超出本校研究领域", "专家团队近期任务已满"),
    "decline": ("时间冲突，近期出差", "研究方向不完全匹配", "手头项目较多"),
    "reopen": ("问题复现", "效果未达预期", "客户提出新要求"),
    "withdraw": ("企业已自行解决", "企业经营方向调整", "项目暂缓"),
    "abandon": ("企业资金安排调整", "双方未就合作条款达成一致", "项目被上级单位叫停"),
}
LANDINGS = (
    "新产线投产",
    "改造后设备稳定运行",
    "新产品批量上市",
    "工艺标准在全厂推广",
    "联合实验室挂牌运行",
)
COMMENTS = (
    "已与车间负责人沟通，下周安排现场查看。", "补充了近三个月的运行数据，请专家查阅。",
    "初步判断与润滑有关，需进一步检测。", "企业希望本月内给出初步方案。", "样品已寄往学校实验室。",
    "检测结果已出，详见附件。", "方案已发企业技术部评审。", "请联络员协调实验设备的使用时间。",
    "企业确认可以提供试验场地。", "已安排研究生驻厂跟踪两周。",
)  # fmt: skip
PLACES = ("企业一号车间", "企业二号车间", "企业技术中心", "企业质检室", "企业会议室", "高校实验室")
FINDINGS = ("冷却水路结垢", "轴承润滑不足", "控制参数设置不当", "原料含水率偏高", "检测方法不统一")
AGREED = ("下周更换过滤器", "企业提供三个月数据", "先做小批量试验", "双方共同制定改进计划", "")
FILES = ("检测报告.pdf", "现场照片.pdf", "改进方案.pdf", "运行数据.pdf", "合作意向书.pdf")


def university(index: int) -> tuple[str, str]:
    if index <= len(UNIVERSITIES):
        return UNIVERSITIES[index - 1]
    return f"合作高校{index}", f"高校{index}"


_NAMES: set[str] = set()


def enterprise_name(index: int, industry: str) -> str:
    a = PREFIXES[index % len(PREFIXES)]
    b = PREFIXES[(index // len(PREFIXES)) % len(PREFIXES)]
    name = f"长治市{a}{b}{industry}有限公司"
    if name in _NAMES:
        name = f"长治市{a}{b}{industry}有限公司第{index}分厂"
    _NAMES.add(name)
    return name


def person(rng: random.Random) -> str:
    return rng.choice(SURNAMES) + "".join(rng.sample(GIVEN, rng.choice((1, 2))))


def title(rng: random.Random) -> str:
    return f"{rng.choice(EQUIPMENT)}{rng.choice(PARTS)}{rng.choice(SYMPTOMS)}"


def description(rng: random.Random) -> str:
    return f"{rng.choice(CONTEXT)}{rng.choice(TRIED)}{rng.choice(WANTED)}"


def resolution(rng: random.Random) -> str:
    return f"经现场诊断，{rng.choice(FIXES)}，{rng.choice(RESULTS)}。"


def working_hours(moment: datetime) -> datetime:
    """Move a moment into the zone's working hours (09:00–18:00, Monday to Friday)."""
    local = moment.astimezone(CST)
    if local.hour < 9:
        local = local.replace(hour=9, minute=local.minute % 60)
    elif local.hour >= 18:
        local = (local + timedelta(days=1)).replace(hour=9)
    while local.weekday() >= 5:
        local += timedelta(days=1)
    return local
