"""Regenerate phrasings.tsv: the ways people ask the Kuaishou questions, each with the goal it
means. The meaning of each phrase is fixed by the @ask annotations of
facts/kuaishou/distribution.dl (join / apply for / enter / register for kuaishou distribution =
ks_distribution_eligible), not by the parser under test.

    python tests/questions/make_phrasings.py > tests/questions/phrasings.tsv
"""

import itertools
import random

random.seed(20261123)
E, A, U = "ks_distribution_eligible", "ks_distribution_admitted", "ks_must_upgrade_store"
EN_PHRASES = {"join kuaishou distribution": E, "apply for kuaishou distribution": E,
              "enter kuaishou distribution": E, "register for kuaishou distribution": E,
              "Join Kuaishou Distribution": E, "JOIN KUAISHOU DISTRIBUTION": E}
ZH_PHRASES = {"入驻快分销": E, "加入快分销": E, "开通快分销": E, "开通分销": E, "注册分销": E, "进入快分销": E}
TW = {"入驻快分销": "入駐快分銷", "加入快分销": "加入快分銷", "开通快分销": "開通快分銷", "开通分销": "開通分銷",
      "注册分销": "註冊分銷", "进入快分销": "進入快分銷", "为什么": "為什麼", "哪些店铺": "哪些店鋪",
      "需要什么": "需要什麼", "体验星级": "體驗星級", "店铺": "店鋪", "如果": "如果", "能否": "能否"}
rows = []


def add(text, kind, goal):
    # goals are written canonically: a subject that is not a plain ASCII name is quoted
    import re
    m = re.fullmatch(r"(\w+)\((.*)\)", goal)
    if m and m.group(2) and not re.fullmatch(r"[a-z][A-Za-z0-9_]*|[A-Z_]\w*|\d+|\".*\"|.*, .*", m.group(2)):
        goal = f'{m.group(1)}("{m.group(2)}")'
    rows.append((text, kind, goal))


def tw(s):
    for a, b in TW.items():
        s = s.replace(a, b)
    return s


subjects = [("acme", "acme"), ("Acme", "acme"), ("bolt", "bolt"), ("s1", "s1")]  # acme is a known subject
modals = ["can", "Can", "may", "could", "CAN"]
nouns = ["", "store ", "shop ", "the store ", "the shop ", "a store ", "merchant "]
ends = ["?", "？", "", ".", " ?", "??"]
for (m, n, (subj, sid), (ph, pred), end) in random.sample(
        list(itertools.product(modals, nouns, subjects, EN_PHRASES.items(), ends)), 70):
    add(f"{m} {n}{subj} {ph}{end}", "yes_no", f"{pred}({sid})")
whys = ["why can't", "Why cannot", "why can not", "WHY CAN'T", "why couldn't", "why can’t", "why may not"]
for (w, n, (subj, sid), (ph, pred), end) in random.sample(
        list(itertools.product(whys, nouns, subjects, EN_PHRASES.items(), ends)), 40):
    add(f"{w} {n}{subj} {ph}{end}", "why_not", f"{pred}({sid})")
for (subj, sid), (ph, pred) in random.sample(list(itertools.product(subjects, EN_PHRASES.items())), 10):
    add(f"why can {subj} not {ph}?", "why_not", f"{pred}({sid})")
    add(f"why can {subj} {ph}?", "why", f"{pred}({sid})")
for q in ["which stores can", "Which shops can", "which merchants may", "what stores can", "which stores"]:
    for ph, pred in list(EN_PHRASES.items())[:4]:
        add(f"{q} {ph}?", "which", f"{pred}(S)")
needed = ["what does {s} need to {p}?", "What does store {s} need to {p}", "what must {s} do to {p}?",
          "how can {s} {p}?", "How could shop {s} {p}？", "what do {s} need to {p}?"]
for t, (subj, sid), (ph, pred) in random.sample(list(itertools.product(needed, subjects, EN_PHRASES.items())), 30):
    add(t.format(s=subj, p=ph), "needed", f"{pred}({sid})")
ifs = ["if {s} had experience stars 4.5, could it {p}?", "if {s} had star rating 4.5 could it {p}",
       "If store {s} had stars 4.5, could the store {p}?", "what if {s} had experience stars 4.5, could it {p}?",
       "if {s}'s experience stars were 4.5, could {s} {p}?", "suppose {s} has stars 4.5, can it {p}?"]
for t, (subj, sid), (ph, pred) in random.sample(list(itertools.product(ifs, subjects, EN_PHRASES.items())), 25):
    add(t.format(s=subj, p=ph), "what_if", f"{pred}({sid})")
for s in ["does {s} need to upgrade the store?", "Does store {s} need to upgrade its store?",
          "must {s} upgrade the store?"]:
    for subj, sid in subjects[:2]:
        if s.startswith("must"):
            continue
        add(s.format(s=subj), "yes_no", f"{U}({sid})")
for subj, sid in subjects:
    add(f"can {subj} be admitted to kuaishou distribution?", "yes_no", f"{A}({sid})")

# Chinese (简体)
zmodals = ["能", "可以", "能否", "是否可以", "能不能", "可否", ""]
zends = ["吗？", "吗?", "吗", "？", "么？", "嘛", ""]
zsubjects = [("acme", "acme"), ("店铺acme", "acme"), ("「新店」", "新店"), ("bolt", "bolt")]
for (m, (subj, sid), (ph, pred), end) in random.sample(
        list(itertools.product(zmodals, zsubjects, ZH_PHRASES.items(), zends)), 60):
    if not m and not end:
        continue
    add(f"{subj}{m}{ph}{end}", "yes_no", f"{pred}({sid})")
for (neg, (subj, sid), (ph, pred)) in random.sample(
        list(itertools.product(["不能", "无法", "不可以"], zsubjects, ZH_PHRASES.items())), 20):
    add(f"为什么{subj}{neg}{ph}？", "why_not", f"{pred}({sid})")
for q in ["哪些店铺可以", "哪些店能", "哪些商家可以", "哪些"]:
    for ph, pred in list(ZH_PHRASES.items())[:3]:
        add(f"{q}{ph}？", "which", f"{pred}(S)")
for t, (subj, sid), (ph, pred) in random.sample(list(itertools.product(
        ["{s}需要什么才能{p}？", "{s}要怎样才能{p}", "{s}怎么才能{p}？", "{s}需要满足什么条件才能{p}？"],
        zsubjects, ZH_PHRASES.items())), 20):
    add(t.format(s=subj, p=ph), "needed", f"{pred}({sid})")
for t, (subj, sid), (ph, pred) in random.sample(list(itertools.product(
        ["如果{s}的体验星级是4.5，能{p}吗？", "假如{s}的星级达到4.5星，它能{p}吗", "如果{s}的体验星级是4.5,能否{p}?"],
        zsubjects[:2] + zsubjects[3:], ZH_PHRASES.items())), 15):
    add(t.format(s=subj, p=ph), "what_if", f"{pred}({sid})")
# Traditional script (繁體)
for text, kind, goal in random.sample([r for r in rows if any("\u4e00" <= ch <= "\u9fff" for ch in r[0])], 40):
    add(tw(text), kind, goal)
# mixed: Chinese frame with an English subject, English frame with a Chinese subject
for subj in ["店铺甲", "「店铺 乙」"]:
    sid = subj.strip("「」")
    add(f"can {subj} join kuaishou distribution?", "yes_no", f"{E}({sid})" if " " not in sid else f'{E}("{sid}")')
    add(f"why can't {subj} join kuaishou distribution?", "why_not",
        f"{E}({sid})" if " " not in sid else f'{E}("{sid}")')
for text in ["ks_distribution_eligible(acme)", "?- ks_distribution_eligible(S).", "ks_c3_experience_stars_ok( acme )",
             "ks_where_to_check(M, P)", "ks_process_step(1, S)", 'ks_distribution_eligible("店铺甲")']:
    goal = text.removeprefix("?- ").rstrip(".").replace(" ", "").replace(",", ", ")
    add(text, "goal", goal)
print("# text\tkind\tgoal  (generated by make_phrasings.py; see its docstring)")
for r in rows:
    print("\t".join(r))
