"""The words of the question language that no rule file owns: how people ask (cues), refer to
themselves (pronouns), negate, and which platforms and topics lie outside every document.

Everything a rule file knows (inputs, values, topics, gaps) comes from its annotations; this
table is only the glue of English and Chinese questions. Entries are normalised text
(grammar.normalise: Simplified, lower case). English entries match at word boundaries.
"""

from __future__ import annotations

# cue -> surface forms. A cue says what kind of answer is wanted; several may occur.
CUES: dict[str, tuple[str, ...]] = {
    "why": ("why", "how come", "what's wrong", "what is wrong", "为什么", "为啥", "为何", "咋回事", "怎么回事",
            "什么原因", "啥原因", "原因是什么", "keep getting rejected", "got rejected", "was refused", "被拒",
            "被驳回", "didn't go through", "did not go through", "没通过", "没过"),
    "needed": ("what do we need", "what do i need", "what does it need", "what else do we need", "what else",
               "what are we missing", "what are we still missing", "what's missing", "what is missing",
               "what do we have to do", "what do i have to do", "what should we do", "what should i do",
               "what must we", "how can we", "how do we get", "how can i", "what's needed", "what is needed",
               "still missing", "still need", "还差", "还缺", "缺什么", "缺啥", "差什么", "差啥", "怎么才能",
               "怎样才能",
               "如何才能", "要怎么做", "需要做什么", "需要怎么做", "还需要", "要做什么", "该怎么办", "怎么办",
               "sort out", "what needs to", "to fix", "have to fix", "what do we do", "what do i do", "what now",
               "what next", "what can we do", "what can i do", "接下来怎么做", "下一步怎么做"),
    "if": ("if", "what if", "suppose", "supposing", "assuming", "如果", "假如", "要是", "假设", "若是", "万一",
           "would", "were to"),
    "which": ("which", "what kinds", "what kind", "what types", "what type", "what are the", "list", "哪些",
              "哪几", "哪种", "哪类", "有哪", "几种", "什么类型", "包括什么", "包括哪", "分别", "all the"),
    "value": ("what is", "what's", "whats", "what are", "what", "how long", "how many", "how much", "how often",
              "when", "what time", "多久", "多长", "多少", "几天", "几点", "几个", "几场", "几步", "几次", "几种",
              "什么时候", "哪天", "啥时候", "什么", "啥", "几", "how"),
    "where": ("where", "which page", "which menu", "which site", "which website", "在哪", "哪里", "哪儿", "去哪",
              "从哪", "哪个网站", "什么地方", "入口"),
    "who": ("who", "whom", "谁", "哪个部门", "找谁"),
    "how": ("how do", "how to", "how can", "steps", "step by step", "process", "流程", "步骤", "怎么", "如何",
            "怎样", "咋"),
    # questions about the rules themselves: a threshold on an input, the conditions of a rule
    "threshold": ("minimum", "min", "at least", "lowest", "maximum", "max", "at most", "highest", "threshold",
                  "cutoff", "cut-off", "how high", "how low", "最低", "最少", "最多", "最高", "门槛", "下限", "上限",
                  "至少要", "至少需要", "要求多少", "需要多少", "要多少", "要几", "几星", "多少星", "多少分"),
    # "is 4.5 stars enough?", "达标吗": a stated value measured against its condition
    "enough": ("enough", "sufficient", "high enough", "low enough", "good enough", "够不够", "够吗", "够了吗", "够",
               "达标", "达不达标", "合格吗", "过线", "过关", "meet the bar", "太高", "太低", "过高", "偏高", "too high",
               "too low"),
    "conditions": ("conditions", "requirements", "criteria", "prerequisites", "what does it take", "条件",
                   "要求", "准入条件", "准入要求", "资格要求", "标准", "what counts as", "what qualifies as",
                   "怎样才算", "怎么才算", "什么才算", "怎么样才算"),
    # "does that block us from …?", "会连累这家店吗": whether the situation stated breaks a condition
    "affect": ("block", "blocks", "blocking", "stop us", "stops us", "affect", "affects", "hurt", "hurts", "break",
               "breaks", "count against", "counts against", "disqualify", "disqualifies", "rule us out",
               "hold us back", "keep us from", "prevent", "prevents", "影响", "连累", "拖累", "妨碍", "耽误", "过不了",
               "卡住", "有影响", "a problem", "an issue", "any problem", "有问题", "有没有问题", "会不会有问题",
               "kill", "kills", "ruin", "ruins", "sink", "sinks", "jeopardize", "jeopardise", "stand in the way",
               "卡我们", "挡住", "拦住"),
    "yes_no": ("can", "could", "may", "do", "does", "did", "will", "should", "must",
               "am", "ok", "okay", "allowed", "valid", "count",
               "吗", "么", "嘛", "能", "可以", "可不可以", "能不能", "能否", "可否", "是否", "是不是", "行不行", "行吗",
               "算不算", "算吗", "过不过", "有没有", "会不会", "要不要", "需不需要", "对吗", "对不对",
               "合格吗", "ok吗", "吧"),
}

# cues whose words a subject splits ("what does store acme need to …", "bolt需要满足什么条件才能…"):
# regular expressions over the normalised question sentence
FRAME_PATTERNS: dict[str, tuple[str, ...]] = {
    "needed": (r"\bwhat (?:does|do|must|should|would|will) (?:\S+ ){1,3}(?:need|have to|do to|do in order)\b",
               r"\bhow (?:can|could|might|would|should) ",
               r"需要(?:满足)?(?:什么|什麼|哪些|怎样的|啥)(?:条件|材料|资质)?(?:才|就)",
               r"要(?:满足|具备)?(?:什么|哪些|啥)条件(?:才|就)"),
    # a choice between values ("是京东自己运营的，还是商家自己运营？", "an electronic copy, or will a photocopy
    # do?"): the value is asked, not a yes or no
    "choice": (r"是[^,，。？?]+?还是(?!不|没)[^,，。？?]+[?？]?$",
               r"[,，]\s*还是(?!不|没|会|能|要|得|可以)[^,，。？?]+[?？]?$",
               r"\b(?:an?|the) [a-z\- ]+, or (?:will|would|is|does|can) (?:an?|the) [a-z\- ]+ (?:do|work|count|ok)\b",
               # "do we need all four certifications, or is one enough?", "都要吗，还是一个就够？"
               r",? or (?:is|are|will|would|does|do|can) (?:just |only |any )?(?:one|either|any one|a single one)"
               r"(?: of them)? (?:enough|do|work|count|suffice|ok)\b",
               r"还是(?:只要|有)?(?:任意|其中)?(?:1|一)(?:个|种|项)?(?:就)?(?:够|行|可以)"),
    # a list of subjects, not of values: "what stores can join …", "哪些店铺可以入驻…", "哪些入驻快分销"
    "which_subject": (r"\b(?:what|which) (?:kinds? of |types? of )?(?:stores|shops|merchants|agencies|brands"
                      r"|activities|orders|sessions|companies|accounts|applicants|suppliers)\b",
                      r"哪(?:些|几个|家)(?:店铺|店|小店|商家|商户|机构|品牌商?|活动|订单|公司|账号)?(?:可以|能|能够)?"
                      r"(?:入驻|加入|开通|参加|进入|申请|报名|注册)"),
}

NEGATIONS: tuple[str, ...] = (
    "not", "no", "never", "none", "without", "isn't", "isnt", "aren't", "arent", "don't", "dont", "doesn't",
    "doesnt", "didn't", "didnt", "haven't", "havent", "hasn't", "hasnt", "hadn't", "can't", "cant", "cannot",
    "can not", "won't", "wont", "couldn't", "couldnt", "not yet", "zero", "yet to",
    "不", "没", "没有", "未", "无", "非", "不是", "不能", "没能", "还没", "尚未", "从来没有", "从没", "从未", "别",
    "不会",
    "不可以", "无法", "没法", "不了", "零",
)

# words linking an input to its value ("stars is 4.2", "体验星级为4.2", "品退率只有1.2%")
COPULAS: tuple[str, ...] = (
    "is", "are", "was", "were", "be", "of", "at", "=", ":", "was", "equals", "reached", "exactly", "only", "just",
    "about", "around", "是", "为", "达到", "只有", "刚好", "刚刚", "正好", "整整", "大概", "约", "有", "等于", "到",
    "变成", "降到", "提高到", "升到", "涨到", "改成", "改为", "drops to", "drop to", "rises to", "rise to",
    "goes up to", "go up to", "goes down to", "were", "became", "becomes", "went up to", "went down to",
    "rose to", "fell to", "dropped to", "increased to", "improved to", "got to", "gets to", "reaches", "hit",
    "hits", "is now", "are now", "stands at", "sits at", "涨到了", "升到了", "降到了", "变成了", "达到了",
)

# questions about oneself: resolved to the loaded subject of the type the goal needs
PRONOUNS: tuple[str, ...] = (
    "we", "us", "our", "ours", "i", "me", "my", "mine", "it", "its", "they", "their", "this", "that", "these",
    "我们", "我", "咱们", "咱", "我家", "本店", "我店", "俺", "这家", "这个", "这场", "这份", "这张", "这单", "该",
    "它",
    "他们", "她", "他", "自己",
)

# nouns people put before an id or after a pronoun; they name no rule by themselves
NOUNS: tuple[str, ...] = (
    "store", "stores", "shop", "shops", "agency", "agencies", "brand", "brands", "merchant", "merchants",
    "company", "activity", "activities", "order", "orders", "service order", "session", "sessions",
    "coupon", "coupons", "supplier", "account", "customer", "shopper", "applicant", "report", "evidence",
    "店", "店铺", "小店", "商家", "商户", "机构", "品牌", "品牌商", "公司", "活动", "订单", "服务单", "场次",
    "优惠券", "供应商", "账号", "客户", "顾客", "用户", "报告",
    # words that hold a cue character: "功能" is no "能" (can)
    "功能", "能力", "性能", "智能",
)

# synonym groups: each surface form counts as the group's feature when scoring topics, so
# "sign up for 快分销" and "入驻快分销" meet "join kuaishou distribution" on the same terms
SYNONYMS: dict[str, tuple[str, ...]] = {
    "#join": ("join", "sign up", "signup", "get into", "get in", "enter", "apply for", "apply to", "qualify for",
              "qualify", "eligible", "eligibility", "register for", "onboard", "onboarding", "participate",
              "take part", "settle in", "入驻", "开通", "加入", "参加", "进入", "报名",
              "申请", "接入", "入住", "上车", "参与", "joint", "unlock", "unlocks", "unlocked", "解锁"),
    "#store": ("store", "shop", "店铺", "小店", "店", "店鋪"),
    "#kuaishou": ("kuaishou", "ks", "快手"),
    "#distribution": ("distribution", "快分销", "分销", "kfx", "kuaifenxiao"),
    "#jd": ("jd", "jd.com", "jingdong", "京东"),
    "#procurement": ("采销", "caixiao", "procurement", "buyer", "category buyer", "category manager", "采购"),
    "#membership_connect": ("会员通", "member connect", "membership connect", "member conect"),
    "#open_card_gift": ("开卡有礼", "open card gift", "open-card gift", "开卡礼", "opencard gift", "开卡礼包"),
    "#jd_task": ("京任务", "jd task", "jingrenwu"),
    "#integrated_marketing": ("整合营销", "integrated marketing", "integrated marketting"),
    "#negotiation": ("协商", "negotiation", "negotiate", "negotiating", "negociate", "negociation", "沟通协商"),
    "#stars": ("stars", "star", "星级", "星", "star rating"),
    "#contract": ("contract", "合同", "签约"),
    "#register": ("register", "registration", "sign up", "注册", "registr"),
    "#go_live": ("go live", "go-live", "launch", "上线"),
    "#not": ("not", "can't", "cannot", "can not", "isn't", "doesn't", "don't", "unsupported", "不能", "不可以", "无法",
             "不可", "不支持", "不允许", "不能用"),  # "which types cannot be negotiated" is its own question
    "#certification": ("certification", "certified", "认证", "certificate"),
}

# our platforms and programmes: a question naming one of them is about the documents
OUR_PLATFORMS: tuple[str, ...] = (
    "jd", "jd.com", "jingdong", "京东", "kuaishou", "快手", "快分销", "会员通", "开卡有礼", "京任务", "京东pop", "pop",
    "自营", "小店", "京豆", "东券", "京券", "采销", "视频号", "微信视频号", "微信内容能力", "wechat channels",
    # the documents' own programmes, named in English ("do douyin sessions count for the wechat content
    # certification?" is about JD's rule)
    "wechat content", "member connect", "open card gift", "open-card gift", "kuaishou distribution",
)
# platforms no document covers: their rules are not ours to answer
OTHER_PLATFORMS: tuple[str, ...] = (
    "taobao", "淘宝", "tmall", "天猫", "douyin", "抖音", "tiktok", "抖店", "pinduoduo", "拼多多", "pdd",
    "xiaohongshu", "小红书", "red note", "shopee", "虾皮", "lazada", "amazon", "亚马逊", "ebay", "shopify",
    "weidian", "微店", "有赞", "youzan", "微信小商店", "微信小店", "视频号小店", "wechat store", "wechat shop",
    "wechat mini shop", "meituan", "美团", "饿了么", "苏宁", "suning", "唯品会", "vipshop",
    "1688", "alibaba", "阿里巴巴", "得物", "dewu", "闲鱼", "精选联盟", "天天特价", "聚划算", "直通车",
)
# topics of e-commerce that none of the five documents encodes (the inventory's gaps, §5, and
# what the pages never mention): a question about one of them is "not covered"
UNCOVERED_TOPICS: tuple[str, ...] = (
    "commission", "commissions", "佣金", "扣点", "抽成", "deposit", "保证金", "押金", "settlement", "settlements",
    "pay out", "payout", "回款", "结算周期", "提现", "fee", "fees", "price", "pricing", "收费", "年费", "服务费",
    "技术服务费", "discount", "折扣", "plus members", "plus会员", "tax rate", "税率", "advertising", "广告",
    "traffic", "流量扶持", "logistics", "物流", "refund time", "shipping time", "发货时效",
    # promotions, invoices and fulfilment: no document encodes them (none occurs in the seeds)
    "秒杀", "京东秒杀", "flash sale", "flash sales", "发票", "开票", "invoice", "invoices", "运费险",
    "shipping insurance", "大促", "双11", "双十一", "团购", "group buying", "拼团", "满减", "预售", "pre-sale",
    "presale", "定金", "包邮", "free shipping", "京喜", "京东到家", "京准通", "投流", "一件代发", "dropshipping",
    "drop shipping", "供货价", "对账", "快递", "express delivery",
)

# English words carrying no content (they never make a topic, and never count as "not used")
STOPWORDS: frozenset[str] = frozenset("""
a an the and or but so of to for in on at by with from as is are was were be been being am do does did
have has had having can could may might must shall should will would it its this that these those there
here we us our ours i me my mine you your they them their he she his her what which who whom whose when
where why how if then than too very just also already still yet now today please thanks thank hi hello
any some all each every both either neither no not nor only own same such more most other another into
about after before again against between through during over under up down out off once while because
until ok okay yes really actually anyway else let lets get got gets go goes going want wanted need needs
like one two three four five six seven eight nine ten s t re ve ll d m
""".split())

# Chinese characters and words carrying no content (they never make a topic on their own)
ZH_STOP: tuple[str, ...] = (
    "我们", "我", "你", "您", "的", "了", "吗", "呢", "吧", "啊", "呀", "嘛", "么", "是", "在", "有", "和", "也", "都",
    "就", "还", "能", "可以", "请问", "一下", "这个", "那个", "现在", "已经", "一个", "这样", "怎么", "什么", "哪些",
    "如果", "那", "就是", "但是", "不过", "然后", "所以", "因为", "而且", "或者", "还是", "要", "会", "想", "让",
    # fillers of colloquial questions ("一共三个奖项，这样设置行不行")
    "一共", "总共", "打算", "准备", "目前", "这样", "那样", "这种", "那种", "的话", "具体", "一般", "应该", "之后",
    "之前", "麻烦", "谢谢", "再加", "想要", "其中", "另外", "大概", "差不多",
)
