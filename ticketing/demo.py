"""The demo world: the Changzhi development zone, its partners, people and 175 tickets.

`flask demo` calls load() inside an app context and commits. Organisations and people are
plain rows; every ticket is made by the real services (create_draft, add_comment) and moved
by workflow.perform() under a frozen clock, so each history reads like a real one: steps in
working hours over the last eight months, routing, expert work, outcome transfer, and the
unhappy paths (return, transfer, decline, reassign, reopen, abandon, withdraw).

The world follows the two seed reports: four parks, six partner "universities", 24 experts,
65 enterprises, 175 problems, about 50 cooperation intentions and 30+ agreements.
Everything comes from random.Random(2026) and times are counted back from today's midnight
(Asia/Shanghai), so every run gives the same data, shifted to the day it is loaded.
"""

from __future__ import annotations

import random
from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta, timezone
from decimal import Decimal

import click
from sqlalchemy import func, select

from ticketing import db, workflow
from ticketing.accounts.models import ExpertProfile, Role, RoleGrant, User
from ticketing.accounts.services import hash_password
from ticketing.orgs import credit_code
from ticketing.orgs.models import County, Enterprise, Park, University, Zone
from ticketing.outcomes.models import CooperationForm, Outcome
from ticketing.tickets import services
from ticketing.tickets.models import Category, Comment, Priority, Ticket, TicketEvent
from ticketing.workflow import TERMINAL, State

DEMO_PASSWORD = "demo-pass-2026"
DEMO_URL = "http://127.0.0.1:5000"
DEMO_LOGINS: list[tuple[str, str]] = [
    ("admin", "zone administrator of 长治经济技术开发区 (园区管理员)"),
    ("commissioner", "tech commissioner of six enterprises (科技特派员)"),
    ("liaison", "liaison of 中北大学, also an expert there (高校联络员 + 专家)"),
    ("expert", "expert of 中北大学 (专家)"),
]

SEED = 2026
ZONE_CODE = "CZ"
ZONE_NAME = "长治经济技术开发区"
PARKS = ("5G产业园", "高端电气产业园", "精密制造产业园", "淮海科技产业园")
# county / district → administrative division code (positions 3–8 of a credit code)
COUNTIES = {
    "潞州区": "140403",
    "上党区": "140404",
    "屯留区": "140405",
    "潞城区": "140406",
    "襄垣县": "140423",
    "壶关县": "140427",
    "长子县": "140428",
    "武乡县": "140429",
}
CST = timezone(timedelta(hours=8), "CST")  # Asia/Shanghai has no daylight saving time
DAYS_BACK = 240

# ---------------------------------------------------------------------------------------
# Universities, their liaisons and experts
# ---------------------------------------------------------------------------------------
UNIVERSITIES = (
    ("nuc", "中北大学", "中北"),
    ("whut", "武汉理工大学", "武汉理工"),
    ("buaa", "北京航空航天大学", "北航"),
    ("usst", "上海理工大学", "上理工"),
    ("sxdk", "山西电子科技学院(筹)", "山西电科"),
    ("nuc_cz", "中北大学—长治产业研究院", "长治产研院"),
)
LIAISONS = {
    "nuc": ("liaison", "李建华"),
    "whut": ("xu.jingyi", "许静怡"),
    "buaa": ("xie.wentao", "谢文涛"),
    "usst": ("deng.li", "邓丽"),
    "sxdk": ("cao.yang", "曹阳"),
    "nuc_cz": ("peng.liang", "彭亮"),
}
# (university, login, name, title, expertise, capacity, industry groups they fit; * = any)
EXPERTS = (
    ("nuc", "liaison", "李建华", "教授", "机械设计及理论;产学研合作", 6,
     "precision equipment electric"),
    ("nuc", "expert", "张立新", "副教授", "精密加工;数控技术;刀具状态监测", 8,
     "precision equipment"),
    ("nuc", "wang.junfeng", "王俊峰", "教授", "化学工程;煤化工过程强化", 7, "chem materials"),
    ("nuc", "liu.haiyan", "刘海燕", "博士", "材料成型;镁铝合金铸造", 7,
     "materials equipment precision"),
    ("nuc", "chen.zhigang", "陈志刚", "副教授", "控制科学与工程;工业机器人;电力电子", 7,
     "electric precision ict"),
    ("nuc", "guo.xiaoli", "郭晓丽", "博士", "食品科学与工程;功能性食品开发", 6, "food bio"),
    ("whut", "zhou.wenbo", "周文博", "教授", "硅酸盐材料;工业固废建材化利用", 7,
     "materials chem"),
    ("whut", "huang.zhiqiang", "黄志强", "副教授", "车辆工程;轻量化设计;疲劳可靠性", 7,
     "equipment energy precision"),
    ("whut", "wu.jing", "吴静", "博士", "复合材料;碳纤维成型工艺", 6, "materials equipment"),
    ("whut", "xu.mingliang", "徐明亮", "教授", "无机非金属材料;耐火材料;新能源材料", 8,
     "materials energy"),
    ("buaa", "sun.yuhang", "孙宇航", "教授", "无人机系统;飞行控制", 6, "equipment ict"),
    ("buaa", "ma.jun", "马骏", "副教授", "可靠性工程;故障诊断与健康管理", 7,
     "equipment electric energy precision"),
    ("buaa", "hu.xiaoming", "胡晓明", "博士", "通信与信息系统;5G网络;射频电路", 7,
     "ict software"),
    ("buaa", "zhu.lina", "朱丽娜", "博士", "机器视觉;图像处理算法", 6,
     "ict software bio precision"),
    ("usst", "yang.fan", "杨帆", "教授", "医疗器械;微流控芯片;精密仪器", 7, "bio precision"),
    ("usst", "he.zhiyuan", "何志远", "副教授", "电气工程;电力电子变换;电机控制", 8,
     "electric energy equipment"),
    ("usst", "gao.min", "高敏", "博士", "食品工程;食品安全检测", 6, "food bio"),
    ("usst", "luo.bin", "罗斌", "副教授", "能源与动力工程;储能系统热管理", 7,
     "energy electric"),
    ("sxdk", "liang.xiaodong", "梁晓东", "博士", "电子信息;嵌入式系统;物联网", 7,
     "ict electric"),
    ("sxdk", "song.jia", "宋佳", "博士", "软件工程;工业互联网平台;数据治理", 7,
     "software ict"),
    ("sxdk", "han.wei", "韩伟", "副教授", "光电信息;LED照明与显示", 6, "ict energy"),
    ("nuc_cz", "tang.guodong", "唐国栋", "研究员", "科技成果转化;精密制造工艺", 8,
     "precision equipment materials"),
    ("nuc_cz", "feng.xue", "冯雪", "博士", "环境工程;工业废水与固废处理", 7,
     "chem materials food"),
    ("nuc_cz", "dong.lei", "董磊", "副研究员", "企业管理;精益生产;数字化转型", 7, "*"),
)
ADMIN = ("admin", "韩丽萍")
COMMISSIONERS = (
    ("commissioner", "赵永刚"),
    ("tian.peng", "田鹏"),
    ("shen.xiaoyan", "申晓燕"),
    ("niu.jianjun", "牛建军"),
    ("qin.huifang", "秦慧芳"),
    ("hao.wenbin", "郝文斌"),
    ("chang.lijun", "常丽君"),
    ("hou.zhihong", "侯志宏"),
    ("lian.xiaoxia", "连晓霞"),
    ("cui.junjie", "崔俊杰"),
    ("duan.hongmei", "段红梅"),
    ("jia.zhiyong", "贾志勇"),
)

# ---------------------------------------------------------------------------------------
# Industry groups and enterprises
# ---------------------------------------------------------------------------------------
# group → (industry, parks, partner universities with weights)
GROUPS: dict[str, tuple[str, tuple[str, ...], tuple[tuple[str, int], ...]]] = {
    "precision": ("精密机械制造", ("精密制造产业园",), (("nuc", 3), ("nuc_cz", 2), ("buaa", 1))),
    "electric": ("高端电气装备", ("高端电气产业园",), (("usst", 2), ("nuc", 2), ("sxdk", 1))),
    "ict": ("5G与电子信息", ("5G产业园",), (("buaa", 2), ("sxdk", 2), ("nuc", 1))),
    "software": ("软件和信息技术服务", ("5G产业园",), (("sxdk", 2), ("buaa", 1))),
    "bio": ("生物医药与医疗器械", ("淮海科技产业园",), (("usst", 3), ("nuc", 1))),
    "materials": (
        "新材料",
        ("淮海科技产业园", "精密制造产业园"),
        (("whut", 3), ("nuc", 1), ("nuc_cz", 1)),
    ),
    "chem": ("煤化工与精细化工", ("淮海科技产业园",), (("nuc", 2), ("nuc_cz", 2), ("whut", 1))),
    "food": ("农产品与食品加工", ("淮海科技产业园",), (("nuc", 2), ("usst", 2))),
    "energy": ("新能源", ("高端电气产业园",), (("whut", 2), ("usst", 2))),
    "equipment": (
        "汽车零部件与专用装备",
        ("精密制造产业园", "淮海科技产业园"),
        (("whut", 2), ("nuc", 2), ("buaa", 1)),
    ),
}
# (name, group, main product)
ENTERPRISES = (
    ("长治市恒锐精密机械有限公司", "precision", "数控机床主轴"),
    ("山西晋东南精工齿轮有限公司", "precision", "精密减速齿轮"),
    ("长治市华晟液压件制造有限公司", "precision", "工程液压油缸"),
    ("长治市鼎元轴承有限公司", "precision", "精密轴承"),
    ("长治市泽宇模具科技有限公司", "precision", "汽车覆盖件冲压模具"),
    ("山西潞垣精密铸造有限公司", "precision", "精密熔模铸件"),
    ("长治市瑞通机器人科技有限公司", "precision", "码垛机器人"),
    ("长治市精测智能仪器有限公司", "precision", "三坐标测量仪"),
    ("长治市精艺激光科技有限公司", "precision", "激光切割装备"),
    ("长治市恒源智能电气有限公司", "electric", "高低压成套开关柜"),
    ("山西上党变压器制造有限公司", "electric", "干式变压器"),
    ("长治市联创电力设备有限公司", "electric", "智能配电终端"),
    ("长治市瑞丰电缆有限公司", "electric", "中压电力电缆"),
    ("长治市晋安防爆电机有限公司", "electric", "矿用隔爆型电机"),
    ("长治市博远电力电子有限公司", "electric", "高压变频器"),
    ("长治市太岳电气开关有限公司", "electric", "真空断路器"),
    ("长治市汇能绝缘材料有限公司", "electric", "复合绝缘子"),
    ("长治市云联通信技术有限公司", "ict", "5G小基站"),
    ("山西智联光电科技有限公司", "ict", "高速光模块"),
    ("长治市芯辰电子有限公司", "ict", "多层印制电路板"),
    ("长治市华弘光电显示有限公司", "ict", "LED显示屏"),
    ("长治市极域物联科技有限公司", "ict", "物联网传感终端"),
    ("长治市讯捷智能科技有限公司", "ict", "智能视觉检测设备"),
    ("长治市星图信息科技有限公司", "software", "工业互联网平台"),
    ("长治市天枢软件有限公司", "software", "智慧园区管理平台"),
    ("长治市数港大数据科技有限公司", "software", "数据中心及云服务"),
    ("长治市臻准生物科技有限公司", "bio", "芯片式数字PCR系统"),
    ("长治市康源制药有限公司", "bio", "中药配方颗粒"),
    ("山西上党参业生物科技有限公司", "bio", "党参提取物"),
    ("长治市维康医疗器械有限公司", "bio", "一次性使用医用耗材"),
    ("长治市华瑞生物工程有限公司", "bio", "工业酶制剂"),
    ("长治市博健生物技术有限公司", "bio", "体外诊断试剂"),
    ("长治市本草堂生物科技有限公司", "bio", "连翘提取物"),
    ("长治市晶元新材料有限公司", "materials", "碳化硅微粉"),
    ("长治市固邦新型建材有限公司", "materials", "固废基加气混凝土砌块"),
    ("长治市锐锋超硬材料有限公司", "materials", "金刚石锯片"),
    ("长治市恒泰碳纤维复合材料有限公司", "materials", "碳纤维复合材料构件"),
    ("长治市华盛耐火材料有限公司", "materials", "不定形耐火材料"),
    ("长治市锦程镁合金科技有限公司", "materials", "镁合金压铸件"),
    ("长治市辰宇石墨烯科技有限公司", "materials", "石墨烯导热膜"),
    ("长治市铭泰铝业有限公司", "materials", "工业铝合金型材"),
    ("长治市晋化新能源化工有限公司", "chem", "煤焦油深加工产品"),
    ("长治市恒达精细化工有限公司", "chem", "水处理剂"),
    ("长治市润泽涂料有限公司", "chem", "水性工业涂料"),
    ("长治市鑫源活性炭有限公司", "chem", "煤基活性炭"),
    ("长治市永昌聚氨酯材料有限公司", "chem", "聚氨酯保温材料"),
    ("长治市海纳环保科技有限公司", "chem", "工业废水处理设备"),
    ("长治市清源环境工程有限公司", "chem", "煤矸石综合利用产品"),
    ("长治市上党小米食品有限公司", "food", "小米营养早餐粉"),
    ("长治市老潞州醋业有限公司", "food", "老陈醋"),
    ("长治市太行山核桃食品有限公司", "food", "核桃乳饮料"),
    ("长治市金穗面业有限公司", "food", "杂粮挂面"),
    ("长治市红星果蔬食品有限公司", "food", "果蔬脆片"),
    ("长治市潞安府酒业有限公司", "food", "清香型白酒"),
    ("长治市光煜光伏科技有限公司", "energy", "高效光伏组件"),
    ("长治市氢途能源科技有限公司", "energy", "氢燃料电池电堆"),
    ("长治市锂想新能源材料有限公司", "energy", "磷酸铁锂正极材料"),
    ("长治市风驰新能源装备有限公司", "energy", "风电塔筒"),
    ("长治市同辉储能科技有限公司", "energy", "储能电池系统"),
    ("长治市驰宇汽车零部件有限公司", "equipment", "汽车制动盘"),
    ("长治市恒川新能源汽车电机有限公司", "equipment", "新能源汽车驱动电机壳体"),
    ("长治市正德矿山机械有限公司", "equipment", "煤矿液压支架"),
    ("长治市安捷矿用装备有限公司", "equipment", "矿用带式输送机"),
    ("长治市通达专用车制造有限公司", "equipment", "专用车厢体"),
    ("长治市博瑞无人机科技有限公司", "equipment", "工业级无人机"),
)
SEED_ENTERPRISE = "长治市臻准生物科技有限公司"
# The `commissioner` login looks after these (a mix of parks and industries).
COMMISSIONER_ENTERPRISES = (
    SEED_ENTERPRISE,
    "长治市恒锐精密机械有限公司",
    "长治市恒源智能电气有限公司",
    "长治市云联通信技术有限公司",
    "长治市晶元新材料有限公司",
    "长治市上党小米食品有限公司",
)
FIXED_PARTNER = {SEED_ENTERPRISE: "usst", "长治市恒锐精密机械有限公司": "nuc"}

# ---------------------------------------------------------------------------------------
# Problems: (category, title, description, resolution); {p} is the enterprise's product
# ---------------------------------------------------------------------------------------
PR, TU, BT, TF, MG, TL = (
    Category.PRODUCT_RD,
    Category.TECH_UPGRADE,
    Category.BREAKTHROUGH,
    Category.TRANSFORMATION,
    Category.MANAGEMENT,
    Category.TALENT,
)
Problem = tuple[str, str, str, str]
PROBLEMS: dict[str, tuple[Problem, ...]] = {
    "precision": (
        (TU, "{p}加工精度一致性差,批次合格率偏低",
         "企业{p}生产线近半年批次合格率在86%左右波动,主要问题是尺寸超差和表面粗糙度不达标,"
         "返修成本高。希望专家分析误差来源,提出工艺参数优化和在线检测方案,目标将合格率提升到95%以上。",
         "现场测量了关键工序的热变形和刀具磨损数据,确认误差主要来自机床热漂移和刀具补偿滞后。"
         "已提供分段切削参数表和刀具寿命管理规程,建议增加在机测头实现闭环补偿;试产三批次合格率达到96.2%。"),
        (BT, "{p}关键部位早期疲劳失效",
         "客户反馈{p}在连续重载工况下约2000小时出现早期失效,与进口同类产品差距明显,已影响大客户续约。"
         "需要分析失效机理,从材料、热处理和结构设计方面提出改进措施。",
         "通过断口分析和有限元仿真,确认失效源于过渡圆角应力集中和渗碳层深度不均。"
         "给出圆角结构优化和热处理工艺改进方案,台架试验寿命提高约1.8倍。"),
        (PR, "新一代{p}结构轻量化设计",
         "企业计划推出面向新能源汽车等新兴领域的新一代{p},要求整机重量降低15%、动态刚度不降低。"
         "企业缺少拓扑优化和仿真分析能力,希望与高校团队联合开展结构设计。",
         "完成三轮拓扑优化和多工况仿真,给出轻量化结构方案和样件图纸;样件实测减重17%,"
         "刚度满足设计要求,已进入小批量试制。"),
        (TF, "车间数控设备联网与生产数据采集",
         "车间现有40余台数控设备,品牌和数控系统不统一,生产数据靠人工记录,管理层无法实时掌握"
         "设备利用率和在制品情况。希望建设设备联网和数据采集系统,为后续上MES打基础。",
         "梳理了各设备的通讯协议,制定分两期的联网方案:一期用边缘网关采集28台主要设备数据,"
         "二期对接MES。一期已部署完成,设备综合效率(OEE)可实时查看。"),
        (TU, "热处理工序能耗高、炉温均匀性差",
         "热处理车间仍使用老式井式炉,单位能耗高,炉温均匀性差,直接影响{p}的硬度一致性。"
         "希望专家评估节能改造方案,在保证质量的前提下降低能耗。",
         "实测炉温均匀性为±12℃,建议更换多区控温系统、改造炉衬保温并优化装炉方式。"
         "改造后炉温均匀性达到±5℃,单位能耗下降约18%。"),
        (TL, "急需精密测量与质量分析技术人员",
         "质检部门缺少能熟练使用三坐标测量机、开展测量系统分析(MSA)和SPC统计的技术人员,"
         "希望与高校合作定向培养或推荐毕业生。",
         "学校推荐3名机械工程专业应届毕业生到企业实习,并安排教师为企业质检人员开设为期两周的"
         "精密测量与SPC培训,共培训12人。"),
        (BT, "{p}运行振动和噪声超标",
         "{p}出厂检测中约有8%的产品振动和噪声超过客户标准,原因不明,目前只能靠人工挑选和反复调整。"
         "希望专家帮助查明振源并提出设计或装配改进措施。",
         "通过模态测试和阶次分析定位到两处共振和一处装配偏心,提出了支撑刚度调整和装配工装改进方案。"
         "整改后振动超标比例降至1%以下。"),
    ),
    "electric": (
        (PR, "研发带在线监测功能的智能型{p}",
         "现有{p}以传统产品为主,同质化竞争严重,利润持续下滑。企业希望增加温度、局部放电等状态"
         "在线监测与远程运维功能,开发智能型产品,需要在传感器选型、通讯和诊断算法方面得到支持。",
         "完成了监测方案设计:选用无源无线测温和特高频局放传感器,边缘终端采用4G/5G双模上传,"
         "并提供基于阈值与趋势的预警算法。样机已通过第三方型式试验。"),
        (BT, "{p}温升试验超标,散热结构需优化",
         "新开发的{p}在型式试验中温升超标约8K,两次送检未通过,影响产品取证和投标。"
         "希望专家通过热仿真找出热点,优化散热结构。",
         "建立了电-热-流耦合仿真模型,确认热点在主回路连接处和通风道死区。"
         "调整导体截面、改进风道后复测温升降低11K,已一次通过型式试验。"),
        (TU, "{p}装配与出厂检测工序自动化改造",
         "{p}装配和出厂检测主要依靠人工,效率低,检测记录不完整,出了问题难以追溯。"
         "希望对关键工序进行自动化改造,并实现检测数据自动记录。",
         "设计了半自动装配工装和自动测试台方案,测试数据自动写入质量追溯系统。"
         "改造后单台检测时间由45分钟缩短到18分钟。"),
        (TF, "{p}产品线向新能源和储能配套领域拓展",
         "企业希望把{p}产品线拓展到光伏电站、储能电站配套领域,但对相关标准、技术要求和市场准入"
         "不熟悉,需要专家给出产品路线和技术改进建议。",
         "梳理了光伏与储能并网相关标准和典型招标技术要求,给出三款拓展产品的技术路线和改型要点,"
         "并协助企业对接两家新能源总包单位。"),
        (MG, "质量管理体系运行不到位,型式试验一次通过率低",
         "企业虽已通过ISO 9001认证,但设计评审、过程检验等环节流于形式,近两年型式试验一次通过率"
         "不足60%。希望专家帮助梳理研发和质量管理流程。",
         "对照体系要求梳理了设计开发和过程控制流程,补充了设计评审清单和关键工序检验规范,"
         "并对骨干人员开展了两期培训。"),
        (TL, "需要电力电子和嵌入式方向研发工程师",
         "企业智能化产品研发缺少电力电子和嵌入式软件方向的工程师,社会招聘难度大,"
         "希望与高校建立定向培养和联合培养研究生机制。",
         "与学校电气学院签订联合培养协议,设立企业研究生工作站,首批进站研究生2名,"
         "另推荐应届毕业生4名。"),
        (BT, "{p}在高湿高海拔环境下绝缘性能下降",
         "用户反馈{p}在高湿、高海拔地区运行时出现绝缘件表面放电和爬电问题,已发生两起故障。"
         "希望专家分析原因,提出材料和结构改进方案。",
         "通过凝露试验和表面电场仿真,确认问题为爬电距离不足和材料憎水性差。"
         "建议改用憎水性环氧配方并增加伞裙结构,改进样品通过凝露和污秽试验。"),
    ),
    "ict": (
        (PR, "新一代{p}研发中功耗和散热指标不达标",
         "企业正在研发新一代{p},样机在功耗、散热和信号完整性方面仍未达到设计指标,"
         "研发团队力量不足,希望与高校联合攻关。",
         "对样机开展了信号完整性仿真和热测试,重新优化了电源架构和散热设计。"
         "改进后样机功耗降低22%,关键指标全部达到设计要求。"),
        (BT, "{p}在强电磁干扰环境下工作不稳定",
         "{p}在工厂、矿区等电磁干扰较强的环境中偶发死机、丢包或显示异常,客户投诉较多。"
         "希望专家帮助定位干扰源并提出电磁兼容整改方案。",
         "在电磁兼容实验室完成传导和辐射抗扰度测试,定位到电源滤波和接地设计缺陷。"
         "提出滤波电路修改和屏蔽方案,整改后通过EMC四级测试。"),
        (TU, "{p}生产线引入机器视觉自动检测",
         "{p}生产线外观和焊点检测依靠人工目检,漏检率高,人工成本逐年上升。"
         "希望引入机器视觉自动检测,替代人工检测关键工序。",
         "采集了1.2万张缺陷样本,训练了深度学习检测模型,并设计了光源和工位方案。"
         "上线后漏检率由3%降至0.3%,每条线减少检测人员4名。"),
        (TF, "5G+工业互联网应用场景开发",
         "企业希望依托园区5G网络,把{p}与工业互联网平台结合,形成面向煤矿、制造企业的整体解决方案,"
         "但缺少行业应用场景设计能力。",
         "共同梳理出设备远程运维、井下环境监测两个典型场景,完成方案设计和演示系统搭建,"
         "并在园区两家企业开展试点。"),
        (MG, "研发项目管理和知识产权布局",
         "企业研发项目多、进度难控制,核心技术尚未形成专利保护,申报高新技术企业时知识产权数量不足。"
         "希望专家指导研发管理和专利布局。",
         "协助建立研发项目立项、评审和结题管理制度,梳理出可申请专利的技术点11项,"
         "指导撰写发明专利3件、实用新型5件,均已受理。"),
        (TL, "需要射频、嵌入式和算法方向工程师",
         "企业研发团队以本地招聘为主,射频设计、嵌入式软件和图像算法方向人才缺口大,"
         "希望通过校企合作引进和培养人才。",
         "学校在企业设立实践教学基地,每学期安排6-8名学生驻企实习,"
         "并推荐2名博士以“柔性引才”方式担任企业技术顾问。"),
        (BT, "{p}关键芯片国产化替代验证",
         "{p}使用的部分核心芯片依赖进口,交期长、价格波动大。企业计划导入国产芯片,"
         "需要专家协助开展方案评估、兼容性测试和可靠性验证。",
         "对比评估了三家国产芯片方案,完成功能、性能和高低温可靠性测试,推荐了替代方案并修改了"
         "相应电路,物料成本降低约15%。"),
    ),
    "software": (
        (BT, "{p}高并发场景下性能瓶颈",
         "{p}接入设备和用户数量增长后,高峰时段响应时间超过5秒,偶发数据丢失。"
         "希望专家帮助分析系统架构瓶颈,提出优化方案。",
         "通过压测和链路追踪定位到数据库写入与消息队列积压问题,给出读写分离、时序数据库和"
         "分级缓存改造方案。优化后高峰响应时间降至0.8秒。"),
        (TU, "{p}网络安全等级保护测评整改",
         "{p}需要通过网络安全等级保护三级测评,初测发现身份鉴别、日志审计、数据加密等方面"
         "存在二十余项问题,希望专家指导整改。",
         "逐项分析了测评问题,给出技术整改和管理制度补充方案,协助部署日志审计和数据库加密。"
         "复测已通过等保三级测评。"),
        (PR, "在{p}中引入人工智能分析功能",
         "客户希望{p}具备异常预警、趋势预测等智能分析能力,企业缺少算法团队,"
         "希望与高校合作开发可落地的AI分析模块。",
         "基于企业历史数据开发了设备异常检测和能耗预测模型,封装为平台插件,"
         "准确率分别达到92%和90%,已在两个项目中上线。"),
        (TF, "从项目定制向标准化产品转型",
         "企业目前以定制化项目为主,每个项目重复开发多,交付周期长、利润薄。"
         "希望专家帮助规划{p}的产品化路线和模块化架构。",
         "梳理了近三年20个项目的共性需求,给出“平台+行业组件”的产品架构和两年路线图,"
         "并协助完成首个标准化版本的需求规格。"),
        (MG, "软件研发过程规范化,准备CMMI评估",
         "企业研发过程不规范,需求变更频繁、测试覆盖不足,客户验收问题多。"
         "希望专家指导建立研发过程规范,为CMMI三级评估做准备。",
         "按CMMI三级要求梳理了需求、配置、测试等过程域,编写过程文件和模板,"
         "并开展两轮内部试运行。企业已提交正式评估申请。"),
        (TL, "需要大数据和云计算方向人才",
         "企业本地招聘大数据开发和云计算运维人才困难,已有员工技术更新慢,"
         "希望与高校开展定向培养和在职培训。",
         "学校为企业定制了大数据开发与云运维课程,完成两期在职培训共25人次,并推荐应届毕业生5名。"),
    ),
    "bio": (
        (BT, "{p}关键工序收率低、批间差异大",
         "{p}关键工序收率长期在70%左右,且批次间差异较大,原料和能耗成本居高不下。"
         "希望专家帮助分析工艺瓶颈,优化工艺参数。",
         "通过单因素和响应面试验优化了关键工艺参数,并建立过程关键指标在线监控。"
         "中试验证收率提高到83%,批间差异缩小到3%以内。"),
        (PR, "{p}新产品注册检验前的性能验证",
         "企业新研发的{p}即将提交注册检验,需要按照相关指导原则完成性能验证和稳定性研究,"
         "企业缺少经验,希望专家指导试验设计。",
         "协助制定了性能验证方案和稳定性研究方案,审核了试验记录和数据分析方法,"
         "企业已按方案完成验证并提交注册检验。"),
        (TU, "洁净车间环境控制与空调系统节能改造",
         "企业洁净车间空调系统能耗占全厂用电约40%,且夏季温湿度控制不稳定,存在GMP合规风险。"
         "希望专家评估节能改造方案。",
         "实测了各洁净区的换气次数和压差,提出变频改造、热回收和分区控制方案。"
         "改造后温湿度全部达标,空调能耗下降约25%。"),
        (MG, "质量体系和数据完整性整改",
         "近期监管部门检查中企业在数据完整性、偏差处理等方面被提出整改意见,"
         "企业希望专家帮助完善质量管理体系文件并培训员工。",
         "逐条分析了检查缺陷,修订了偏差、变更和数据管理等12份体系文件,"
         "并对质量部和生产部员工开展三次培训,整改报告已通过复查。"),
        (TF, "{p}出口需要国际认证支持",
         "企业计划将{p}出口到东南亚和欧洲市场,需要办理CE等国际认证,"
         "对技术文件要求和流程不了解,希望获得专家指导。",
         "梳理了目标市场的法规要求和认证路径,指导企业编写技术文件和风险管理报告,"
         "并推荐了合作认证机构,企业已正式提交申请。"),
        (TL, "需要生物工程和药物分析方向研发人员",
         "企业研发中心缺少生物工程和药物分析方向的研发人员,现有人员难以支撑新产品开发,"
         "希望高校推荐人才并共建实习基地。",
         "学校与企业共建了研究生实践基地,首批派驻研究生3名,并推荐2名应届硕士入职企业研发中心。"),
        (BT, "{p}稳定性不足,有效期难以延长",
         "{p}在加速稳定性试验中关键指标下降较快,有效期只能定为12个月,在招标和渠道销售中处于劣势。"
         "希望专家帮助分析降解机理并改进配方或工艺。",
         "通过强制降解试验明确了主要降解途径,调整了辅料配比和包装阻隔方案。"
         "新配方加速试验6个月指标合格,有效期有望延长至24个月。"),
    ),
    "materials": (
        (PR, "开发高性能{p}新产品",
         "下游客户对{p}提出了更高的强度和耐久性要求,企业现有配方和工艺难以满足。"
         "希望与高校合作开发高性能新产品,抢占中高端市场。",
         "完成了配方设计和三轮试制,新产品主要性能指标比原产品提高20%以上,"
         "已通过两家重点客户的试用评价。"),
        (BT, "{p}批次性能波动大",
         "{p}关键性能指标批次间波动较大,客户多次提出质量异议。初步判断与原料成分波动和工艺控制有关,"
         "希望专家帮助查明原因并建立控制方法。",
         "对近半年原料和产品数据做了相关性分析,确定了三个关键控制参数,制定了原料进厂检验标准和"
         "工艺窗口,批次性能波动系数由12%降至4%。"),
        (TU, "烧结和熔炼工序能耗高,需节能降碳改造",
         "企业烧结、熔炼工序能耗占生产成本的三成以上,在能耗双控背景下压力很大。"
         "希望专家诊断能耗构成并提出节能降碳改造方案。",
         "完成了全流程能量平衡测试,提出余热回收、燃烧系统优化和保温改造三项措施。"
         "实施后单位产品综合能耗下降约16%。"),
        (TF, "利用煤矸石、粉煤灰等工业固废开发新产品",
         "长治周边煤矸石、粉煤灰等工业固废量大、价格低,企业希望利用固废部分替代原料开发新产品,"
         "降低成本并符合绿色发展政策,需要技术支撑。",
         "对三种本地固废做了成分和活性分析,确定了掺配比例和预处理工艺,固废掺量达到35%时"
         "产品性能仍满足标准要求,原料成本下降约12%。"),
        (MG, "高新技术企业认定和知识产权管理",
         "企业计划申报高新技术企业,但研发费用归集不规范、知识产权数量不足,"
         "希望专家指导完善研发管理和知识产权布局。",
         "指导企业建立研发项目台账和研发费用辅助账,梳理可申请专利的技术点8项,"
         "协助撰写专利申请5件。企业已提交高企认定材料。"),
        (TL, "缺少材料分析检测与工艺研发人员",
         "企业实验室设备较齐全,但缺少能熟练开展XRD、SEM等材料分析的人员,工艺研发主要靠经验。"
         "希望高校帮助培训人员并长期提供技术支持。",
         "学校为企业实验室人员开展了材料分析技术培训,并与企业共建联合实验室,"
         "学校教师每月驻厂两天指导研发。"),
        (BT, "{p}表面气孔和裂纹缺陷率高",
         "{p}表面气孔、裂纹等缺陷率在6%以上,返工和报废损失较大,多次调整工艺效果不明显。"
         "希望专家分析缺陷成因,提出解决方案。",
         "通过金相分析和工艺仿真确认缺陷主要由排气不畅和冷却速度不均引起,"
         "优化了模具排气和冷却工艺,缺陷率降至1.5%以下。"),
    ),
    "chem": (
        (TU, "生产过程VOCs废气治理达标改造",
         "随着排放标准收紧,企业{p}生产过程产生的VOCs废气现有处理设施难以稳定达标,面临限产风险。"
         "希望专家评估治理工艺,提出经济可行的改造方案。",
         "对废气组分和浓度进行了连续监测,推荐采用“沸石转轮浓缩+RTO”组合工艺,并给出设计参数。"
         "改造后排放浓度稳定低于标准限值的50%。"),
        (BT, "{p}关键反应收率偏低、副产物多",
         "{p}生产中关键反应步骤收率只有75%左右,副产物多,分离难度大,成本高于同行。"
         "希望专家从催化剂和反应条件方面帮助优化。",
         "筛选了四种催化剂体系并优化反应温度和停留时间,小试收率提高到88%,中试验证结果一致,"
         "副产物减少约一半。"),
        (PR, "开发{p}高附加值新产品",
         "企业现有{p}以通用型为主,附加值低。希望依托现有装置开发两到三个高附加值的专用型号产品,"
         "需要配方和应用技术支持。",
         "结合下游应用需求设计了两个专用型号配方,完成实验室制备和应用评价,"
         "其中一个型号已在客户处试用,售价比通用型高约30%。"),
        (TF, "生产装置自动化控制与安全联锁升级",
         "企业部分装置仍为手动或半自动操作,安全风险大,不符合危险化工工艺自动化改造要求。"
         "希望专家指导制定自动化控制和安全联锁改造方案。",
         "完成了装置HAZOP分析,确定了需增设的联锁回路和控制点,给出DCS和SIS改造方案。"
         "改造完成后通过了应急管理部门的验收。"),
        (MG, "安全生产双重预防机制建设",
         "企业在安全风险分级管控和隐患排查治理方面基础薄弱,检查中多次被指出问题。"
         "希望专家帮助建立双重预防机制并开展员工培训。",
         "协助企业辨识风险点126个并完成分级,编制了隐患排查清单和管理制度,组织全员培训两次,"
         "双重预防信息系统已上线运行。"),
        (TL, "需要化工工艺和安全管理专业人才",
         "企业化工工艺、安全管理方向专业人员缺口较大,一线操作人员学历偏低,"
         "希望与高校开展定向培养和在职学历提升合作。",
         "与学校化工学院签订人才培养协议,开设企业在职工程硕士班,首批入学8人,"
         "并每年定向推荐应届毕业生。"),
        (TU, "生产废水处理成本高,需工艺优化",
         "企业生产废水COD高、可生化性差,现有工艺药剂和污泥处置成本高,吨水处理成本超过15元。"
         "希望专家优化处理工艺,降低运行成本。",
         "通过小试确定了“高级氧化预处理+生化”的优化工艺路线,调整了药剂投加方式,"
         "吨水处理成本降至9元左右,出水稳定达标。"),
    ),
    "food": (
        (PR, "开发{p}系列新品,延伸产品线",
         "企业现有{p}品种单一,主要面向中老年消费者。希望开发面向年轻人和儿童的新口味、新规格产品,"
         "需要配方研发和感官评价方面的支持。",
         "开发了三款新配方并组织了两轮消费者感官评价,确定了两款上市产品的配方和工艺,"
         "已完成试产并通过产品检验。"),
        (BT, "{p}货架期内品质下降",
         "{p}在保质期后半段出现风味变化、沉淀或口感变差等问题,经销商退货率较高。"
         "希望专家分析原因,提出延长货架期的技术方案。",
         "通过加速储藏试验确认主要原因为脂肪氧化和微生物控制不足,优化了杀菌工艺和包装阻隔性能,"
         "货架期内品质稳定性明显提升。"),
        (TU, "{p}包装工序自动化改造",
         "{p}包装环节用工多、效率低,旺季用工紧张,包装不良率较高。"
         "希望专家帮助设计自动化包装线改造方案。",
         "测算了产能需求,设计了自动称重、包装和装箱一体化方案,并协助完成设备选型。"
         "改造后包装效率提高约2倍,减少用工10人。"),
        (MG, "食品安全追溯体系建设",
         "大型商超和电商平台要求供应商提供全程质量追溯,企业目前原料、生产、出厂信息分散在纸质记录中,"
         "希望建设食品安全追溯体系。",
         "梳理了从原料收购到成品出库的关键追溯节点,设计了一物一码追溯方案,"
         "并指导企业上线追溯系统,已通过客户审核。"),
        (TF, "品牌升级与电商渠道拓展",
         "企业产品主要通过本地经销商销售,品牌影响力有限。希望借助“上党”地域特色做品牌升级,"
         "并拓展电商和直播渠道,需要营销和管理方面的专家指导。",
         "帮助企业梳理品牌定位和产品故事,制定了电商渠道和直播运营方案,并组织学校电商专业学生团队"
         "参与运营,线上销售额三个月增长约60%。"),
        (TL, "需要食品工艺和质量检验人才",
         "企业缺少具备食品工艺研发和理化、微生物检验能力的技术人员,新产品开发和质量控制都受影响,"
         "希望高校推荐人才并开展培训。",
         "学校推荐2名食品科学专业毕业生入职,并为企业检验人员开展了微生物检验和感官评价培训。"),
        (TU, "{p}加工过程风味物质损失大",
         "{p}加工过程中高温时间长,风味物质损失明显,产品香气不如传统工艺。"
         "希望专家优化加工工艺,在保证安全的前提下保留更多风味。",
         "对比了不同加工温度和时间下的风味成分变化,推荐采用低温分段工艺并调整设备参数,"
         "产品香气评分提高约15%。"),
    ),
    "energy": (
        (PR, "新一代{p}性能提升研发",
         "下游客户对{p}的转换效率和功率密度提出了更高要求,企业现有产品与行业头部企业存在差距,"
         "希望与高校联合开展新一代产品研发。",
         "联合开展了材料和结构优化研究,完成样品试制和测试,关键性能指标提升约8%,"
         "达到行业先进水平,已进入客户验证阶段。"),
        (BT, "{p}长期运行性能衰减快",
         "{p}在客户现场运行一年后性能衰减明显高于设计值,影响质保和口碑。"
         "希望专家分析衰减机理,提出材料或工艺改进措施。",
         "通过拆解分析和加速老化试验明确了主要衰减机理,提出材料改性和工艺控制措施,"
         "改进后样品加速老化试验衰减率降低约40%。"),
        (TU, "{p}生产线检测工序自动化与数据追溯",
         "{p}生产线关键检测工序仍依赖人工判断,检测数据未与生产批次关联,出现质量问题时难以追溯。"
         "希望改造检测工序并建立数据追溯。",
         "设计了自动检测与数据采集方案,检测结果与批次条码自动关联,并开发了质量追溯看板。"
         "改造后检测效率提高50%,实现全流程追溯。"),
        (TF, "参与源网荷储一体化项目的技术方案",
         "企业希望以{p}为基础参与园区源网荷储一体化和微电网项目,需要专家在系统方案设计、"
         "经济性测算和政策方面提供支持。",
         "完成了园区负荷和新能源出力分析,提出了微电网配置方案和运行策略,并测算了投资回收期,"
         "方案已提交园区管委会论证。"),
        (MG, "{p}碳足迹核算与绿色认证",
         "欧洲客户要求提供{p}的产品碳足迹报告,企业对核算方法和数据要求不了解,"
         "希望专家指导开展碳足迹核算并申请绿色产品认证。",
         "按ISO 14067标准建立了产品碳足迹核算模型,收集整理了供应链数据,出具了核算报告,"
         "并协助企业申请第三方核查。"),
        (TL, "新能源研发团队建设",
         "企业新能源研发团队刚刚组建,缺少有经验的技术带头人和系统的人才培养计划,"
         "希望与高校共建研发平台、柔性引进专家。",
         "与学校共建新能源联合研发中心,学校2名教师担任企业技术顾问,"
         "并为企业研发人员制定了为期一年的培训计划。"),
        (BT, "{p}关键连接部位可靠性不足",
         "{p}关键连接部位在振动和温度循环条件下出现松动、开裂等问题,已造成多起售后返修。"
         "希望专家帮助开展可靠性分析并改进设计。",
         "通过振动和温度循环试验复现了失效模式,优化了连接结构和工艺参数,"
         "改进后样品通过2倍设计寿命的可靠性试验。"),
    ),
    "equipment": (
        (PR, "{p}轻量化与结构优化设计",
         "客户要求{p}在保证强度的前提下减重10%以上,企业缺乏结构仿真和轻量化设计能力,"
         "希望与高校联合开展设计优化。",
         "建立了多工况有限元模型,采用拓扑和尺寸优化给出轻量化方案,样件减重12.5%,"
         "强度和刚度试验全部通过。"),
        (BT, "{p}焊缝疲劳开裂问题",
         "{p}在用户现场使用中多次出现焊缝疲劳开裂,维修成本高,影响企业声誉。"
         "希望专家分析开裂原因,改进焊接工艺和结构细节。",
         "通过应力测试和断口分析确认开裂起源于焊趾应力集中和焊接缺陷,优化了坡口形式、焊接顺序和"
         "焊后处理工艺,疲劳试验寿命提高约2倍。"),
        (TU, "{p}焊接工序机器人化改造",
         "{p}焊接工序以人工焊接为主,焊工招聘难、质量一致性差。"
         "希望引入焊接机器人,在工艺、工装和编程方面得到技术支持。",
         "完成了焊接机器人工作站方案设计和工装设计,制定了典型焊缝的机器人焊接工艺规程。"
         "投产后焊接效率提升60%,一次合格率达到98%。"),
        (TF, "{p}智能化与远程运维服务转型",
         "企业希望由单纯销售{p}向“产品+服务”转型,为用户提供状态监测和远程运维服务,"
         "需要专家帮助设计监测方案和服务模式。",
         "设计了关键部位传感器布置方案和远程运维平台架构,开发了故障预警模型,"
         "已在三家用户处试点运行。"),
        (MG, "精益生产与库存管理改善",
         "企业订单多品种、小批量,生产计划频繁调整,原材料和在制品库存积压严重。"
         "希望专家帮助导入精益生产方法,改善计划和库存管理。",
         "开展了价值流分析,重新布置了两条产线,建立拉动式生产和看板管理。"
         "三个月后在制品库存下降35%,交付准时率提高到95%。"),
        (TL, "需要机械设计和焊接工艺工程师",
         "企业缺少有经验的机械设计和焊接工艺工程师,新产品开发进度受影响,"
         "希望与高校合作定向培养并开展在职培训。",
         "与学校签订订单班合作协议,首届订单班20人;同时为企业技术人员开展了焊接工艺和结构设计培训。"),
        (BT, "{p}可靠性试验与故障诊断",
         "{p}故障率高于同类产品,企业缺乏系统的可靠性试验和故障诊断手段,只能被动维修。"
         "希望专家帮助建立可靠性试验规范和故障诊断方法。",
         "梳理了近两年故障数据并开展FMEA分析,制定了可靠性试验规范,开发了基于振动信号的"
         "故障诊断方法,主要故障率下降约30%。"),
    ),
}
COMMON_PROBLEMS: tuple[Problem, ...] = (
    (MG, "研发费用归集和研发项目管理不规范",
     "企业研发活动较多,但研发项目立项、过程记录和费用归集不规范,享受研发费用加计扣除和"
     "申报科技项目时材料准备困难,希望专家指导。",
     "协助企业建立研发项目管理制度和研发费用辅助账,梳理了年度研发项目7项,"
     "企业已按规范完成研发费用加计扣除申报。"),
    (MG, "申报省级企业技术中心需要指导",
     "企业计划申报省级企业技术中心,但对申报条件、评价指标和材料要求把握不准,"
     "希望专家对研发体系建设和申报材料给予指导。",
     "对照评价指标体系对企业进行了诊断,提出研发机构、研发投入和成果管理方面的改进建议,"
     "并指导完善申报材料,企业已按期提交申报。"),
    (TL, "与高校共建实习实训基地",
     "企业每年有一定的技术岗位需求,但应届生对企业了解少、留用率低。"
     "希望与高校共建实习实训基地,提前培养和储备人才。",
     "与学校签订共建实习实训基地协议,每年接收学生实习不少于20人次,"
     "企业技术骨干受聘为学校兼职教师。"),
    (TF, "制定企业数字化转型三年规划",
     "企业信息化基础较弱,各部门系统分散,管理层希望推进数字化转型,但不清楚从哪里入手、投入多少,"
     "希望专家帮助制定切实可行的三年规划。",
     "开展了数字化水平诊断,结合企业实际制定了“先管理后生产、先单点后集成”的三年规划,"
     "明确了12个重点项目和分年度投入。"),
    (MG, "成本核算粗放,{p}成本难以准确掌握",
     "企业成本核算按车间分摊,无法准确掌握{p}各型号的真实成本,报价和产品结构调整缺乏依据。"
     "希望专家帮助建立精细化成本核算方法。",
     "设计了基于作业成本法的核算模型,梳理了主要产品的作业和成本动因,测算出各型号实际成本,"
     "为企业调整产品结构提供了依据。"),
    (TL, "一线技术工人技能提升培训",
     "企业一线技术工人以本地招聘为主,设备操作和维护技能不足,设备故障和质量问题多。"
     "希望高校帮助开展系统的技能提升培训。",
     "学校为企业定制了设备操作、维护保养和质量控制三个模块的培训课程,完成两期培训共60人次,"
     "并组织了技能考核。"),
)
# Problems only some enterprises have, and group problems that do not fit an enterprise.
EXTRA_PROBLEMS: dict[str, tuple[Problem, ...]] = {
    SEED_ENTERPRISE: (
        (BT, "微流控芯片热压键合良率提升",
         "公司芯片式数字PCR系统所用微流控芯片在热压键合工序良率只有82%,主要缺陷为微通道变形和"
         "局部未键合,已成为扩产瓶颈。希望在微纳加工工艺方面得到高校团队支持。",
         "分析了键合温度、压力与保压时间对通道变形的影响,提出了分段升温键合工艺并改进了夹具平整度。"
         "试产三批良率提升到94%。"),
        (PR, "数字PCR荧光图像分析算法优化",
         "高通量多通道数字PCR系统需要在更短时间内完成数万个微反应单元的荧光图像判读,现有算法在"
         "弱阳性和气泡干扰下误判较多,希望与高校图像算法团队联合优化。",
         "设计了基于局部背景估计和形状特征的分割与判读算法,并加入气泡检测。对比测试中弱阳性识别"
         "准确率由91%提升到98.5%,单次分析时间缩短40%。"),
    ),
    "长治市数港大数据科技有限公司": (
        (TU, "数据中心PUE偏高,制冷系统节能改造",
         "公司数据中心年均PUE约1.6,高于省里对新建数据中心1.3的要求,电费支出压力大。"
         "希望专家评估制冷和配电系统,提出节能改造方案。",
         "完成了机房气流组织仿真和能耗分项计量分析,提出冷热通道封闭、间接蒸发冷却和"
         "精密空调群控三项措施,改造后年均PUE降至1.32。"),
    ),
    "长治市博瑞无人机科技有限公司": (
        (PR, "工业级无人机续航时间不足",
         "公司巡检用工业级无人机满载续航仅28分钟,难以满足输电线路和矿区长距离巡检需求。"
         "希望在动力系统匹配和机体减重方面得到高校支持。",
         "重新进行了电机、螺旋桨与电池的匹配计算,机臂改用碳纤维一体成型结构,"
         "样机满载续航提高到41分钟。"),
        (BT, "复杂风场下无人机飞控稳定性差",
         "无人机在山区阵风和矿区扬尘环境下姿态抖动明显,定位漂移大,影响巡检图像质量。"
         "希望专家优化飞控算法。",
         "建立了阵风扰动模型,引入自适应抗扰控制和多源融合定位算法,外场试飞姿态抖动幅度降低60%。"),
    ),
}
SKIP_PROBLEMS = {  # enterprise → titles (before formatting) that do not apply to it
    "长治市精测智能仪器有限公司": {"热处理工序能耗高、炉温均匀性差"},
    "长治市精艺激光科技有限公司": {"热处理工序能耗高、炉温均匀性差"},
    "长治市晶元新材料有限公司": {"{p}表面气孔和裂纹缺陷率高"},
    "长治市海纳环保科技有限公司": {
        "生产过程VOCs废气治理达标改造", "{p}关键反应收率偏低、副产物多", "生产废水处理成本高,需工艺优化",
    },
    "长治市清源环境工程有限公司": {"{p}关键反应收率偏低、副产物多"},
    "长治市博瑞无人机科技有限公司": {"{p}焊缝疲劳开裂问题", "{p}焊接工序机器人化改造"},
}

# ---------------------------------------------------------------------------------------
# Texts for the steps
# ---------------------------------------------------------------------------------------
FORMS_BY_CATEGORY = {
    PR: (CooperationForm.JOINT_RD, CooperationForm.COMMISSIONED),
    TU: (CooperationForm.TECH_SERVICE, CooperationForm.COMMISSIONED),
    BT: (CooperationForm.JOINT_RD, CooperationForm.TRANSFER, CooperationForm.LICENSING,
         CooperationForm.COMMISSIONED),
    TF: (CooperationForm.PLATFORM, CooperationForm.TECH_SERVICE),
    MG: (CooperationForm.TECH_SERVICE, CooperationForm.OTHER),
    TL: (CooperationForm.TALENT, CooperationForm.PLATFORM),
}
AMOUNT_RANGE = {  # 万元
    CooperationForm.TECH_SERVICE: (5, 40),
    CooperationForm.JOINT_RD: (30, 200),
    CooperationForm.COMMISSIONED: (20, 120),
    CooperationForm.TRANSFER: (50, 300),
    CooperationForm.LICENSING: (20, 150),
    CooperationForm.PLATFORM: (50, 200),
    CooperationForm.TALENT: (5, 50),
    CooperationForm.OTHER: (5, 30),
}
LANDINGS = {
    PR: "联合研发的新一代{p}已完成小批量试产并实现销售,目前累计签订订单{n}台(套)。",
    TU: "改造方案已在{p}生产线全面实施,产品合格率提升{x}个百分点,年节约成本约{y}万元。",
    BT: "关键技术问题解决后,{p}主要性能指标达到国内同类先进水平,已向客户批量供货{n}批次。",
    TF: "相关系统和方案已在企业落地运行,生产和管理效率提升约{x}%,年新增效益约{y}万元。",
    MG: "新的管理制度和信息化工具已在企业稳定运行,管理成本年节约约{y}万元,企业已通过相关审核。",
    TL: "共建的实训基地和人才培养项目已运行,首批{n}名学生入企实践,其中{m}人已签约留用。",
}
RETURN_REASONS = (
    "我校在该技术方向暂无合适的专家,建议园区改派其他合作高校。",
    "对接该问题需要的中试条件我校目前不具备,退回园区重新分派。",
    "相关方向专家本学期均已满负荷,无法按时安排入企,请园区改派。",
)
TRANSFER_REASONS = (
    "经与企业沟通,该问题更契合{u}的学科方向,转由其专家团队对接。",
    "原对接高校专家排期较满,为保证进度,转由{u}对接。",
    "问题涉及的关键工艺在{u}已有成熟研究基础,经协调转由其承接。",
)
DECLINE_REASONS = (
    "本人近期承担国家重点研发计划项目结题工作,无法按期赴企业现场,建议改派。",
    "该问题与本人研究方向差距较大,建议由课题组其他老师对接。",
    "本人下月出国参加学术交流,时间上无法保证,申请改派。",
)
REASSIGN_REASONS = (
    "原专家外出访学三个月,改由同课题组专家接续对接。",
    "根据企业需求变化,改派更熟悉相关工艺的专家。",
    "原专家手头任务较多,进度偏慢,经与企业协商改派。",
)
REOPEN_REASONS = (
    "企业按方案试产两批次,仍有约5%的产品出现同类问题,请专家进一步分析。",
    "方案在小试阶段效果较好,但放大生产后指标不稳定,需要继续跟进。",
    "企业对方案中的改造投入有疑虑,希望专家补充经济性分析和分步实施方案。",
)
ABANDON_REASONS = (
    "企业因资金安排调整,年内暂停该项目投入,双方同意终止合作。",
    "企业主要客户订单变化,产品方向调整,合作暂不推进。",
    "双方在知识产权归属上未能达成一致,暂停签约。",
    "企业生产线搬迁,项目推迟到明年重新评估。",
)
WITHDRAW_REASONS = (
    "企业已通过设备供应商解决该问题,撤回需求。",
    "企业生产计划调整,该需求暂缓。",
    "企业内部技术团队已找到解决办法,不再需要对接。",
    "该产品线已停产,需求取消。",
    "与另一条已提交的问题重复,撤回本条。",
)
REOPENED_SUFFIX = "针对复核中发现的问题,补充了过程控制要点并到现场指导试产,企业确认问题已解决。"
COMMENTS = {
    # public, by the expert: visit records (走访记录)
    "c_visit": (
        "今天到企业现场走访,查看了{p}生产线,调阅了近三个月的质量和工艺记录,"
        "与技术部门初步确定了问题范围,下周提交试验方案。",
        "与企业技术负责人开了对接会,明确了技术指标和验收标准,约定分两个阶段推进,"
        "第一阶段两周内完成现状测试。",
        "已取回样品带回学校实验室检测分析,预计十个工作日内出具分析报告。",
        "第二次入企:课题组两名研究生驻厂一周,完成了关键工序的数据采集,数据正在整理分析。",
        "线上会议与企业生产、质量、技术三个部门沟通了初步方案,企业提出的几点顾虑已逐条答复,"
        "方案据此做了调整。",
        "走访记录:企业总经理、技术部长和两名班组长参加;现场发现的主要问题和改进思路已写入"
        "会议纪要,双方确认了下一步分工。",
    ),
    # public, by the commissioner
    "c_update": (
        "企业已按专家要求整理好近半年的生产数据和工艺文件,随时可以提供。",
        "企业希望在下月设备检修窗口期内完成改造,请专家统筹安排时间。",
        "企业总经理对前期方案比较认可,希望尽快进入试制阶段。",
        "已协调企业安排一名技术骨干全程配合专家工作,联系方式已发给专家。",
        "企业反映样品已寄出,请专家注意查收。",
    ),
    "c_supplement": (
        "补充说明:企业可提供相关图纸和检测报告,如需要请联系企业技术部。",
        "补充:该问题已影响到企业下季度重点订单的交付,希望尽快安排对接。",
        "企业希望优先对接有过同类项目经验的专家。",
    ),
    # internal, by the liaison
    "n_liaison": (
        "该企业此前与我校有过横向合作,已优先联系原课题组。",
        "已与相关学院沟通,本周内确定对接专家。",
        "学校近期期末考试,专家入企时间可能顺延两三天,已提前告知园区。",
        "该方向我校有两位老师可以对接,综合考虑手头任务后再定人选。",
    ),
    # internal, by the zone administrator
    "n_admin": (
        "该企业为园区重点企业,请优先保障专家对接进度。",
        "此问题拟列入下一次科技成果推介洽谈会的需求清单。",
        "企业所在产业链为园区重点培育方向,对接结果请及时报送管委会。",
    ),
    # public, by the zone administrator, after an intention
    "c_outcome": (
        "管委会拟将该合作列入本年度重点推介成果,在下一次科技成果推介洽谈会上展示。",
        "请企业在协议签订后及时上传协议扫描件,以便申报成果转化奖励。",
        "该项目符合园区成果转化奖励条件,签约后可按规定申报。",
    ),
}
SURNAMES = "王李张刘陈杨赵黄周吴徐孙马胡郭何高林罗郑梁宋谢韩唐冯董程曹袁邓许傅申牛秦郝常侯连崔段贾"
GIVEN = (
    "伟", "芳", "娜", "敏", "静", "强", "磊", "军", "洋", "勇", "艳", "杰", "涛", "明", "超",
    "秀兰", "霞", "平", "刚", "桂英", "建国", "志强", "晓东", "海燕", "丽华", "文斌", "红梅",
    "永红", "建平", "晓军", "卫东", "春燕", "俊峰", "雪梅", "鹏飞", "国庆", "慧敏", "志刚",
)
ROADS = ("太行东街", "英雄南路", "长兴中路", "漳泽大道", "紫金西街", "府后东街", "上党路",
         "淮海西路", "城南大街", "科技大道", "产业大道", "南外环路")

# ---------------------------------------------------------------------------------------
# How the tickets end up
# ---------------------------------------------------------------------------------------
S = State
FINAL_COUNTS = {
    S.DRAFT: 6,
    S.SUBMITTED: 8,
    S.UNIVERSITY_ASSIGNED: 8,
    S.EXPERT_ASSIGNED: 8,
    S.IN_PROGRESS: 16,
    S.RESOLVED: 10,
    S.OUTCOME_INTENTION: 12,
    S.OUTCOME_AGREEMENT: 14,
    S.OUTCOME_LANDED: 18,
    S.CLOSED: 60,  # 4 of them abandoned after the intention, 2 after the agreement
    S.WITHDRAWN: 15,
}
ABANDONED_AFTER_INTENTION, ABANDONED_AFTER_AGREEMENT = 4, 2
COMMISSIONER_TICKETS = 20  # for the `commissioner` login's enterprises (every state at least once)
# (final state, how many) that the `liaison` login finds waiting at 中北大学 …
LIAISON_NEEDS = ((S.UNIVERSITY_ASSIGNED, 3),)
# … and that the `expert` login works (or worked) on
EXPERT_NEEDS = (
    (S.EXPERT_ASSIGNED, 2),
    (S.IN_PROGRESS, 3),
    (S.RESOLVED, 1),
    (S.OUTCOME_AGREEMENT, 1),
    (S.OUTCOME_LANDED, 1),
    (S.CLOSED, 2),
)
EXPERT_RESERVE = 3  # random picks leave the `expert` login room for the tickets above
PRIORITIES = ((Priority.URGENT, 10), (Priority.HIGH, 25), (Priority.NORMAL, 50), (Priority.LOW, 15))
RESOLVE_TARGET_DAYS = {Priority.URGENT: 7, Priority.HIGH: 14, Priority.NORMAL: 30, Priority.LOW: 60}
RESOLVE_DAYS = {
    Priority.URGENT: (2, 7),
    Priority.HIGH: (5, 15),
    Priority.NORMAL: (8, 32),
    Priority.LOW: (15, 58),
}
GAP_HOURS = {  # time before each step
    "create": (0, 0),
    "submit": (0.3, 48),
    "route": (3, 66),
    "return": (6, 60),
    "transfer": (24, 150),
    "assign_expert": (2, 66),
    "reassign_expert": (24, 200),
    "decline": (4, 40),
    "start": (2, 44),
    "reopen": (24, 120),
    "close": (24, 240),
    "record_intention": (48, 400),
    "sign_agreement": (240, 1080),
    "land": (480, 1680),
    "abandon": (360, 1200),
    "withdraw": (12, 300),
}
COMMENT_GAP_HOURS = (2, 72)
WAIT_DAYS = {  # how long ago the last step of a still-open ticket happened
    S.DRAFT: (0.1, 20),
    S.SUBMITTED: (0.1, 4.5),
    S.UNIVERSITY_ASSIGNED: (0.1, 4.5),
    S.EXPERT_ASSIGNED: (0.1, 3),
    S.RESOLVED: (0.5, 8),
    S.OUTCOME_INTENTION: (5, 45),
    S.OUTCOME_AGREEMENT: (10, 70),
}
OPEN_WORK = (S.EXPERT_ASSIGNED, S.IN_PROGRESS)


@dataclass
class _Plan:
    index: int
    enterprise: Enterprise
    group: str
    product: str
    partner: str
    filer: User
    commissioner: User
    final: State
    problem: Problem
    priority: str = Priority.NORMAL
    confidential: bool = False
    closing: str = "close"  # for CLOSED: close | abandon_intention | abandon_agreement
    force_university: str | None = None
    preferred_expert: User | None = None
    steps: list[str] = field(default_factory=list)
    times: list[datetime] = field(default_factory=list)
    universities: list[str] = field(default_factory=list)
    ticket: Ticket | None = None
    declined: set[int] = field(default_factory=set)
    resolves: int = 0
    last_date: date | None = None


class _Builder:
    def __init__(self) -> None:
        self.rng = random.Random(SEED)
        self.session = db.session
        now = datetime.now(CST)
        self.end = now.replace(hour=0, minute=0, second=0, microsecond=0)
        self.start = self.end - timedelta(days=DAYS_BACK)
        self.universities: dict[str, University] = {}
        self.uni_key: dict[int, str] = {}
        self.liaisons: dict[str, User] = {}
        self.experts: dict[str, list[User]] = {}
        self.fits: dict[int, set[str]] = {}
        self.users: dict[str, User] = {}
        self.enterprises: dict[str, Enterprise] = {}
        self.meta: dict[str, tuple[str, str, str]] = {}  # name → group, product, partner
        self.commissioner_of: dict[str, User] = {}
        self.plans: list[_Plan] = []
        self.agreements: Counter[int] = Counter()

    # -- organisations and people ------------------------------------------------------

    def refuse_if_loaded(self) -> None:
        logins = {ADMIN[0], *(c[0] for c in COMMISSIONERS), *(e[1] for e in EXPERTS)}
        logins |= {login for login, _ in LIAISONS.values()}
        clashes = [
            *self.session.scalars(select(User.login).where(User.login.in_(logins))),
            *self.session.scalars(select(Zone.code).where(Zone.code == ZONE_CODE)),
            *self.session.scalars(
                select(University.name).where(University.name.in_([u[1] for u in UNIVERSITIES]))
            ),
            *self.session.scalars(
                select(Enterprise.name).where(Enterprise.name.in_([e[0] for e in ENTERPRISES]))
            ),
        ]
        if clashes:
            raise click.ClickException(
                "The demo world is (partly) there already: " + ", ".join(sorted(clashes)[:8])
            )

    def organisations(self) -> None:
        rng, session = self.rng, self.session
        zone = Zone(code=ZONE_CODE, name=ZONE_NAME)
        session.add(zone)
        session.flush()
        parks = {name: Park(zone_id=zone.id, name=name) for name in PARKS}
        counties = {name: County(zone_id=zone.id, name=name) for name in COUNTIES}
        session.add_all([*parks.values(), *counties.values()])
        for key, name, short in UNIVERSITIES:
            self.universities[key] = University(name=name, short_name=short)
        session.add_all(self.universities.values())
        session.flush()
        self.uni_key = {u.id: key for key, u in self.universities.items()}

        county_names = list(COUNTIES)
        county_cycle = [county_names[i % len(county_names)] for i in range(len(ENTERPRISES))]
        rng.shuffle(county_cycle)
        codes: set[str] = set()
        group_seen: Counter[str] = Counter()
        for (name, group, product), county in zip(ENTERPRISES, county_cycle, strict=True):
            industry, group_parks, partners = GROUPS[group]
            park = group_parks[group_seen[group] % len(group_parks)]
            group_seen[group] += 1
            while True:
                body = "".join(rng.choice(credit_code.ALPHABET) for _ in range(6))
                code = credit_code.complete(f"91{COUNTIES[county]}MA0{body}")
                if code not in codes:
                    codes.add(code)
                    break
            partner = FIXED_PARTNER.get(name) or self._weighted(partners)
            enterprise = Enterprise(
                name=name,
                credit_code=code,
                park=parks[park],
                county=counties[county],
                industry=industry,
                contact_name=self._person_name(),
                contact_phone=f"0355-{rng.choice('2568')}{rng.randrange(100000, 999999)}",
                address=f"山西省长治市{county}{rng.choice(ROADS)}{rng.randrange(1, 300)}号",
            )
            self.enterprises[name] = enterprise
            self.meta[name] = (group, product, partner)
        session.add_all(self.enterprises.values())
        session.flush()

    def people(self) -> None:
        rng, session = self.rng, self.session
        password_hash = hash_password(DEMO_PASSWORD)  # once: hashing is slow

        def user(login: str, name: str, roles: tuple[str, ...], university: str | None = None):
            if login in self.users:
                found = self.users[login]
                found.grants.extend(RoleGrant(role=r) for r in roles if r not in found.roles)
                return found
            made = User(
                login=login, name=name, password_hash=password_hash,
                email=f"{login}@example.com", is_demo=True,
                university=self.universities[university] if university else None,
            )
            made.grants = [RoleGrant(role=role) for role in roles]
            self.users[login] = made
            session.add(made)
            return made

        user(ADMIN[0], ADMIN[1], (Role.ADMIN,))
        for key, (login, name) in LIAISONS.items():
            self.liaisons[key] = user(login, name, (Role.LIAISON,), key)
        for key, login, name, title, expertise, capacity, fits in EXPERTS:
            expert = user(login, name, (Role.EXPERT,), key)
            expert.expert_profile = ExpertProfile(
                title=title, expertise=expertise, capacity=capacity
            )
            self.experts.setdefault(key, []).append(expert)

        # the `commissioner` login gets its six; the others share the rest, park by park
        others = [e for e, *_ in ENTERPRISES if e not in COMMISSIONER_ENTERPRISES]
        rng.shuffle(others)
        others.sort(key=lambda n: self.enterprises[n].park.name)
        chunks: list[list[str]] = [list(COMMISSIONER_ENTERPRISES)]
        rest = len(COMMISSIONERS) - 1
        size, extra = divmod(len(others), rest)
        at = 0
        for i in range(rest):
            n = size + (1 if i < extra else 0)
            chunks.append(others[at : at + n])
            at += n
        for (login, name), names in zip(COMMISSIONERS, chunks, strict=True):
            commissioner = user(login, name, (Role.COMMISSIONER,))
            commissioner.phone = f"0355-{rng.randrange(2000000, 2999999)}"
            commissioner.enterprises = [self.enterprises[n] for n in names]
            for n in names:
                self.commissioner_of[n] = commissioner
        session.flush()
        self.fits = {
            self.users[login].id: set(fits.split()) for _, login, *_, fits in EXPERTS
        }

    # -- planning ----------------------------------------------------------------------

    def plan(self) -> None:
        rng = self.rng
        pool = [state for state, n in FINAL_COUNTS.items() for _ in range(n)]
        chosen: list[tuple[str, State]] = []
        # the `commissioner` login: every state at least once on its enterprises
        mine = list(COMMISSIONER_ENTERPRISES)
        for state in State:
            pool.remove(state)
            chosen.append(("", state))
        rng.shuffle(pool)
        for _ in range(COMMISSIONER_TICKETS - len(chosen)):
            chosen.append(("", pool.pop()))
        per_mine = [mine[i % len(mine)] for i in range(COMMISSIONER_TICKETS)]
        rng.shuffle(per_mine)
        chosen = [(e, s) for e, (_, s) in zip(per_mine, chosen, strict=True)]
        # everyone else: two tickets each, the rest spread at random (at most four each)
        others = [e for e, *_ in ENTERPRISES if e not in COMMISSIONER_ENTERPRISES]
        names = [e for e in others for _ in range(2)]
        counts = Counter(names)
        while len(names) < len(pool):
            e = rng.choice(others)
            if counts[e] < 4:
                counts[e] += 1
                names.append(e)
        rng.shuffle(names)
        chosen += list(zip(names, pool, strict=True))

        problems_left: dict[str, list[Problem]] = {}
        for index, (name, final) in enumerate(chosen):
            group, product, partner = self.meta[name]
            if name not in problems_left:
                skip = SKIP_PROBLEMS.get(name, set())
                choices = [p for p in (*PROBLEMS[group], *COMMON_PROBLEMS) if p[1] not in skip]
                rng.shuffle(choices)
                problems_left[name] = [*EXTRA_PROBLEMS.get(name, ()), *choices]
            commissioner = self.commissioner_of[name]
            admin_files = rng.random() < 0.04
            self.plans.append(
                _Plan(
                    index=index,
                    enterprise=self.enterprises[name],
                    group=group,
                    product=product,
                    partner=partner,
                    filer=self.users[ADMIN[0]] if admin_files else commissioner,
                    commissioner=commissioner,
                    final=final,
                    problem=problems_left[name].pop(0),
                    priority=self._weighted(PRIORITIES),
                    confidential=rng.random() < 0.05,
                )
            )
        closed = [p for p in self.plans if p.final == S.CLOSED]
        rng.shuffle(closed)
        for p in closed[:ABANDONED_AFTER_INTENTION]:
            p.closing = "abandon_intention"
        after = ABANDONED_AFTER_INTENTION + ABANDONED_AFTER_AGREEMENT
        for p in closed[ABANDONED_AFTER_INTENTION:after]:
            p.closing = "abandon_agreement"
        self._force(LIAISON_NEEDS, None)
        self._force(EXPERT_NEEDS, self.users["expert"])
        for p in self.plans:
            p.steps = self._path(p)
            hops = sum(1 for s in p.steps if s in ("route", "transfer"))
            p.universities = self._university_sequence(p, hops)
            p.times = self._schedule(p)

    def _force(self, needs: tuple[tuple[State, int], ...], expert: User | None) -> None:
        """Route some tickets to 中北大学 (and its `expert`) so the demo logins have work."""
        for state, n in needs:
            candidates = [
                p for p in self.plans
                if p.final == state and p.closing == "close" and p.force_university is None
                and p.filer.login != "admin"
            ]
            candidates.sort(key=lambda p: (p.partner != "nuc", p.index))
            for p in candidates[:n]:
                p.force_university = "nuc"
                p.preferred_expert = expert

    def _path(self, p: _Plan) -> list[str]:
        if p.final == S.DRAFT:
            return ["create"]
        if p.final == S.WITHDRAWN:
            at = self.rng.choice((S.SUBMITTED, S.SUBMITTED, S.UNIVERSITY_ASSIGNED,
                                  S.EXPERT_ASSIGNED, S.IN_PROGRESS, S.IN_PROGRESS))
            return [*self._working(at), "withdraw"]
        if p.final in (S.SUBMITTED, S.UNIVERSITY_ASSIGNED, S.EXPERT_ASSIGNED, S.IN_PROGRESS,
                       S.RESOLVED):
            return self._working(p.final)
        steps = self._working(S.RESOLVED)
        if p.final == S.CLOSED and p.closing == "close":
            return [*steps, "close"]
        steps.append("record_intention")
        if self.rng.random() < 0.4:
            steps.append("c_outcome")
        if p.final == S.OUTCOME_INTENTION:
            return steps
        if p.closing == "abandon_intention":
            return [*steps, "abandon"]
        steps.append("sign_agreement")
        if p.closing == "abandon_agreement":
            return [*steps, "abandon"]
        if p.final == S.OUTCOME_AGREEMENT:
            return steps
        return [*steps, "land"]

    def _working(self, target: State) -> list[str]:
        """The steps up to `target` (≤ resolved), with the usual detours now and then."""
        r = self.rng.random
        s = ["create", "submit"]
        if r() < 0.12:
            s.append("c_supplement")
        if target == S.SUBMITTED:
            if r() < 0.4:
                s += ["route", "return"]
            return s
        s.append("route")
        if r() < 0.3:
            s.append("n_liaison")
        if r() < 0.07:
            s += ["return", "route"]
        if target == S.UNIVERSITY_ASSIGNED:
            x = r()
            if x < 0.3:
                s += ["assign_expert", "decline"]
            elif x < 0.5:
                s.append("transfer")
            return s
        s.append("assign_expert")
        if r() < 0.1:
            s.append("n_admin")
        if r() < 0.1:
            s += ["decline", "assign_expert"]
        if target == S.EXPERT_ASSIGNED:
            if r() < 0.3:
                s.append("reassign_expert")
            return s
        if r() < 0.06:
            s += ["transfer", "assign_expert"]
        s.append("start")
        if r() < 0.6:
            s.append("c_visit")
        if r() < 0.35:
            s.append("c_update")
        if r() < 0.06:
            s += ["reassign_expert", "start"]
        if target == S.IN_PROGRESS:
            return s
        s.append("resolve")
        if r() < 0.1:
            s += ["reopen", "c_visit", "resolve"]
        return s

    def _university_sequence(self, p: _Plan, hops: int) -> list[str]:
        """The universities a ticket goes to, in order; consecutive ones differ."""
        _, _, partners = GROUPS[p.group]
        seq: list[str] = []
        for i in range(hops):
            if p.force_university and i == hops - 1:
                seq.append(p.force_university)
                continue
            banned = {seq[-1]} if seq else set()
            if p.force_university and i == hops - 2:
                banned.add(p.force_university)
            if i == 0 and p.partner not in banned:
                seq.append(p.partner)
                continue
            options = tuple((k, w) for k, w in partners if k not in banned)
            if not options:
                options = tuple((k, 1) for k, *_ in UNIVERSITIES if k not in banned)
            seq.append(self._weighted(options))
        return seq

    def _schedule(self, p: _Plan) -> list[datetime]:
        """Moments for the steps: in order, in working hours, before today."""
        rng = self.rng
        gaps = [self._gap(step, p) for step in p.steps]
        jitters = [rng.uniform(0, 150) for _ in p.steps]
        total = timedelta(hours=sum(gaps))
        if p.final in TERMINAL:
            latest = self.end - total - timedelta(days=2)
            span = max(0.0, (latest - self.start).total_seconds())
            anchor = self.start + timedelta(seconds=rng.uniform(0, span))
        else:
            if p.final == S.IN_PROGRESS:
                target = RESOLVE_TARGET_DAYS[Priority(p.priority)]
                wait = target * rng.uniform(0.08, 1.15)
            else:
                wait = rng.uniform(*WAIT_DAYS[p.final])
            anchor = self.end - timedelta(days=wait) - total
        limit = self.end - timedelta(hours=1)
        for _ in range(50):
            times = self._moments(anchor, gaps, jitters)
            over = times[-1] - limit
            if over <= timedelta(0):
                return times
            anchor -= over + timedelta(hours=6)
        raise RuntimeError("could not fit a ticket's history before today")  # pragma: no cover

    def _gap(self, step: str, p: _Plan) -> float:
        rng = self.rng
        if step == "resolve":
            lo, hi = RESOLVE_DAYS[Priority(p.priority)]
            days = rng.uniform(lo, hi) * (1.4 if rng.random() < 0.1 else 1.0)
            return days * 24
        lo, hi = GAP_HOURS.get(step, COMMENT_GAP_HOURS)
        return rng.uniform(lo, hi)

    @staticmethod
    def _moments(anchor: datetime, gaps: list[float], jitters: list[float]) -> list[datetime]:
        out: list[datetime] = []
        t = anchor
        for gap, jitter in zip(gaps, jitters, strict=True):
            t = _working_hours(t + timedelta(hours=gap), jitter)
            out.append(t)
        return out

    # -- running the plans through the real services -----------------------------------

    def run(self) -> None:
        queue = sorted(
            (moment, p.index, i) for p in self.plans for i, moment in enumerate(p.times)
        )
        for moment, index, i in queue:
            p = self.plans[index]
            with db.frozen_clock(moment):
                self._step(p, p.steps[i], moment)

    def _step(self, p: _Plan, step: str, moment: datetime) -> None:
        rng, admin = self.rng, self.users[ADMIN[0]]
        perform = workflow.perform
        if step == "create":
            category, title, description, _ = p.problem
            p.ticket = services.create_draft(
                p.filer, zone_code=ZONE_CODE, title=self._fill(title, p),
                description=self._fill(description, p), category=category,
                priority=p.priority, enterprise_id=p.enterprise.id, confidential=p.confidential,
            )
            return
        ticket = p.ticket
        assert ticket is not None
        if step in COMMENTS:
            author, internal = self._comment_author(step, p, ticket)
            body = self._fill(rng.choice(COMMENTS[step]), p)
            services.add_comment(ticket, author, body=body, internal=internal)
        elif step == "submit":
            perform(ticket, "submit", p.filer)
        elif step == "route":
            perform(ticket, "route", admin, university_id=self._next_university(p).id)
        elif step == "return":
            perform(ticket, "return", self._liaison(ticket), reason=rng.choice(RETURN_REASONS))
        elif step == "transfer":
            university = self._next_university(p)
            reason = rng.choice(TRANSFER_REASONS).format(u=university.name)
            perform(ticket, "transfer", admin, university_id=university.id, reason=reason)
        elif step == "assign_expert":
            expert = self._pick_expert(p, ticket)
            perform(ticket, "assign_expert", self._liaison_or_admin(ticket), expert_id=expert.id)
        elif step == "reassign_expert":
            expert = self._pick_expert(p, ticket)
            perform(
                ticket, "reassign_expert", self._liaison_or_admin(ticket), expert_id=expert.id,
                reason=rng.choice(REASSIGN_REASONS),
            )
        elif step == "decline":
            assert ticket.expert is not None
            p.declined.add(ticket.expert.id)
            perform(ticket, "decline", ticket.expert, reason=rng.choice(DECLINE_REASONS))
        elif step == "start":
            assert ticket.expert is not None
            perform(ticket, "start", ticket.expert)
        elif step == "resolve":
            assert ticket.expert is not None
            resolution = self._fill(p.problem[3], p)
            if "reopen" in p.steps and p.resolves == 0:
                resolution = "初步方案:" + resolution.split("。")[0] + "。"
            elif p.resolves:
                resolution += REOPENED_SUFFIX
            p.resolves += 1
            perform(ticket, "resolve", ticket.expert, resolution=resolution)
            p.last_date = _local_date(moment)
        elif step == "reopen":
            perform(ticket, "reopen", self._side(p), reason=rng.choice(REOPEN_REASONS))
        elif step == "close":
            satisfaction = rng.choice((5, 5, 5, 4, 4, 4, 3, None))
            data = {"satisfaction": satisfaction} if satisfaction else {}
            perform(ticket, "close", self._side(p), **data)
        elif step == "record_intention":
            form = rng.choice(FORMS_BY_CATEGORY[Category(p.problem[0])])
            perform(
                ticket, "record_intention", self._side(p), cooperation_form=form,
                intention_date=self._outcome_date(p, moment, 3),
            )
        elif step == "sign_agreement":
            outcome = self._outcome(ticket)
            lo, hi = AMOUNT_RANGE[CooperationForm(outcome.cooperation_form)]
            day = self._outcome_date(p, moment, 5)
            self.agreements[day.year] += 1
            perform(
                ticket, "sign_agreement", self._side(p),
                agreement_number=f"CZKF-HZ-{day.year}-{self.agreements[day.year]:03d}",
                agreement_date=day, amount=_money(rng.uniform(lo, hi)),
            )
        elif step == "land":
            outcome = self._outcome(ticket)
            amount = outcome.amount or Decimal(10)
            benefit = _money(float(amount) * rng.uniform(2.5, 9))
            description = LANDINGS[Category(p.problem[0])].format(
                p=p.product, n=rng.randrange(3, 40), m=rng.randrange(2, 6),
                x=rng.randrange(3, 25), y=rng.randrange(15, 300),
            )
            perform(
                ticket, "land", admin, landed_date=self._outcome_date(p, moment, 7),
                landing_description=description, economic_benefit=benefit,
            )
        elif step == "abandon":
            perform(ticket, "abandon", self._side(p), reason=rng.choice(ABANDON_REASONS))
        elif step == "withdraw":
            actor = admin if rng.random() < 0.15 else p.filer
            perform(ticket, "withdraw", actor, reason=rng.choice(WITHDRAW_REASONS))
        else:  # pragma: no cover - a typo in the plan tables
            raise ValueError(step)

    def _comment_author(self, step: str, p: _Plan, ticket: Ticket) -> tuple[User, bool]:
        if step == "c_visit":
            assert ticket.expert is not None
            return ticket.expert, False
        if step in ("c_update", "c_supplement"):
            return p.commissioner, False
        if step == "n_liaison":
            return self._liaison(ticket), True
        return self.users[ADMIN[0]], step == "n_admin"

    def _next_university(self, p: _Plan) -> University:
        return self.universities[p.universities.pop(0)]

    def _liaison(self, ticket: Ticket) -> User:
        assert ticket.university_id is not None
        return self.liaisons[self.uni_key[ticket.university_id]]

    def _liaison_or_admin(self, ticket: Ticket) -> User:
        return self.users[ADMIN[0]] if self.rng.random() < 0.15 else self._liaison(ticket)

    def _side(self, p: _Plan) -> User:
        """The enterprise side: its commissioner, now and then the zone administrator."""
        return self.users[ADMIN[0]] if self.rng.random() < 0.15 else p.commissioner

    def _load(self, expert: User) -> int:
        return sum(
            1 for q in self.plans
            if q.ticket is not None and q.ticket.expert_id == expert.id
            and q.ticket.state in OPEN_WORK
        )

    def _pick_expert(self, p: _Plan, ticket: Ticket) -> User:
        """An expert of the ticket's university with room left, preferring a good fit."""
        assert ticket.university_id is not None
        key = self.uni_key[ticket.university_id]
        reserved = self.users["expert"]
        preferred = p.preferred_expert
        room = {
            e.id: (e.expert_profile.capacity if e.expert_profile else 5) - self._load(e)
            for e in self.experts[key]
        }
        if (
            preferred is not None
            and preferred.university_id == ticket.university_id
            and preferred.id != ticket.expert_id
            and preferred.id not in p.declined
            and room[preferred.id] > 0
        ):
            return preferred
        candidates = [
            e for e in self.experts[key]
            if e.id != ticket.expert_id and e.id not in p.declined and room[e.id] > 0
            and (e is not reserved or room[e.id] > EXPERT_RESERVE)
        ]
        if not candidates:
            raise RuntimeError(f"no expert of {key} has room for ticket {ticket.number}")
        fitting = [e for e in candidates if p.group in self.fits[e.id] or "*" in self.fits[e.id]]
        return self.rng.choice(fitting or candidates)

    def _outcome(self, ticket: Ticket) -> Outcome:
        outcome = self.session.scalar(
            select(Outcome).where(Outcome.ticket_id == ticket.id).order_by(Outcome.id.desc())
        )
        assert outcome is not None
        return outcome

    def _outcome_date(self, p: _Plan, moment: datetime, back_days: int) -> date:
        """A date a few days before `moment`, not before the ticket's previous outcome date."""
        today = _local_date(moment)
        day = today - timedelta(days=self.rng.randint(0, back_days))
        if p.last_date is not None:
            day = max(day, p.last_date)
        day = min(day, today, moment.astimezone(UTC).date())
        p.last_date = day
        return day

    # -- helpers -----------------------------------------------------------------------

    def _weighted(self, options):
        keys = [k for k, _ in options]
        weights = [w for _, w in options]
        return self.rng.choices(keys, weights=weights)[0]

    def _person_name(self) -> str:
        return self.rng.choice(SURNAMES) + self.rng.choice(GIVEN)

    @staticmethod
    def _fill(text: str, p: _Plan) -> str:
        return text.replace("{p}", p.product)

    def summary(self) -> str:
        session = self.session
        states = Counter(
            dict(session.execute(select(Ticket.state, func.count()).group_by(Ticket.state)).all())
        )
        outcomes = session.execute(
            select(
                func.count(Outcome.id), func.count(Outcome.agreement_date),
                func.count(Outcome.landed_date),
            )
        ).one()
        events = session.scalar(select(func.count(TicketEvent.id)))
        comments = session.scalar(select(func.count(Comment.id)))
        experts = sum(len(v) for v in self.experts.values())
        by_state = ", ".join(f"{state.value} {states.get(state.value, 0)}" for state in State)
        return (
            f"Demo data loaded: 1 zone, {len(PARKS)} parks, {len(COUNTIES)} counties, "
            f"{len(self.universities)} universities, {len(self.enterprises)} enterprises, "
            f"{len(self.users)} users ({experts} experts, {len(COMMISSIONERS)} commissioners), "
            f"{sum(states.values())} tickets ({by_state}), {outcomes[0]} intentions, "
            f"{outcomes[1]} agreements, {outcomes[2]} landed, {comments} comments, "
            f"{events} events."
        )


def _working_hours(moment: datetime, jitter_minutes: float) -> datetime:
    """Move `moment` forward into 08:30–18:30 Asia/Shanghai time, whole seconds."""
    local = moment.astimezone(CST)
    opening = local.replace(hour=8, minute=30, second=0, microsecond=0)
    closing = local.replace(hour=18, minute=30, second=0, microsecond=0)
    if local < opening:
        local = opening + timedelta(minutes=jitter_minutes)
    elif local > closing:
        local = opening + timedelta(days=1, minutes=jitter_minutes)
    return local.replace(microsecond=0).astimezone(UTC)


def _local_date(moment: datetime) -> date:
    return moment.astimezone(CST).date()


def _money(value: float) -> Decimal:
    return Decimal(f"{value:.1f}")


def load() -> str:
    """Build the demo world in the current session (flush, no commit); return a summary."""
    builder = _Builder()
    builder.refuse_if_loaded()
    with db.frozen_clock(builder.start - timedelta(days=30)):
        builder.organisations()
        builder.people()
    builder.plan()
    builder.run()
    db.session.flush()
    return builder.summary()


def logins_text() -> str:
    width = max(len(login) for login, _ in DEMO_LOGINS)
    lines = [f"Demo: open {DEMO_URL} and sign in as"]
    lines += [f"  {login.ljust(width)}  {role}" for login, role in DEMO_LOGINS]
    lines.append(f"Password for every demo account: {DEMO_PASSWORD}")
    return "\n".join(lines)
