"""The demo world: 西地省, A市 with its districts and streets, its organs, responsibilities and
one user per role. Used by ``minsheng loaddemo`` and by the test fixtures (idempotent)."""

from __future__ import annotations

import csv
import gzip
from dataclasses import dataclass
from pathlib import Path

from django.contrib.auth import get_user_model
from django.contrib.auth.models import AbstractUser
from django.db import transaction

from minsheng.analytics.nlp.places import load_admin_towns
from minsheng.core import freshness
from minsheng.orgs.models import Category, Organ, Region, Responsibility, Role, StaffMembership

DATA_DIR = Path(__file__).resolve().parent.parent / "core" / "data" / "tipdm"

K = Organ.Kind

DISTRICTS = [
    # (code, name, level, aliases); their streets and towns: the division list (streets_of)
    ("439902", "A1区", 3, ["A1"]),
    ("439903", "A2区", 3, ["A2"]),
    ("439904", "A3区", 3, ["A3"]),
    ("439905", "A4区", 3, ["A4"]),
    ("439906", "A5区", 3, ["A5"]),
    ("439907", "A6区", 3, ["A6"]),
    ("439921", "A7县", 3, ["A7"]),
    ("439922", "A8县", 3, ["A8"]),
    ("439923", "A9市", 3, ["A9"]),  # a county-level city, as the messages name it
]


def streets_of(district: str) -> list[tuple[str, list[str]]]:
    """The streets and towns of a district (the vendored division list of A市, also used by the
    place resolver) as region names with their aliases: the bare name where it alone names the
    place (星沙 of 星沙街道), none where the bare word is common (路口 of 路口镇)."""
    return [
        (f"{t.name}{t.kind}", [t.name] if t.bare else [])
        for t in load_admin_towns()
        if t.district == district
    ]


OTHER_CITIES = ["B市", "C市", "D市", "E市", "F市", "G市", "H市", "I市", "J市", "K市", "L市", "M市"]

# (code, name, short, kind, parent code, aliases, level-1 categories it is competent for)
CITY_ORGANS: list[tuple[str, str, str, str, str | None, list[str], list[str]]] = [
    ("a-party", "中共A市委员会", "A市委", K.PARTY_COMMITTEE, "xd-party", ["市委"], []),
    ("a-gov", "A市人民政府", "A市政府", K.GOVERNMENT, "xd-gov", ["市政府"], ["党务政务"]),
    ("a-bureau", "A市信访局", "A市信访局", K.PETITION_BUREAU, "a-gov", ["市信访局"], []),
    (
        "a-police",
        "A市公安局",
        "A市公安局",
        K.POLITICAL_LEGAL,
        "a-gov",
        ["公安局", "派出所", "交警"],
        ["政法"],
    ),
    ("a-court", "A市中级人民法院", "A市中院", K.COURT, None, ["中院", "法院"], []),
    ("a-procuratorate", "A市人民检察院", "A市检察院", K.PROCURATORATE, None, ["检察院"], []),
    (
        "a-discipline",
        "中共A市纪律检查委员会 A市监察委员会",
        "A市纪委监委",
        K.DISCIPLINE,
        None,
        ["纪委", "监委"],
        ["纪检监察"],
    ),
    (
        "a-housing",
        "A市住房和城乡建设局",
        "A市住建局",
        K.DEPARTMENT,
        "a-gov",
        ["住建局", "住建委", "房产局"],
        ["城乡建设"],
    ),
    (
        "a-hrss",
        "A市人力资源和社会保障局",
        "A市人社局",
        K.DEPARTMENT,
        "a-gov",
        ["人社局", "社保局", "劳动监察"],
        ["劳动和社会保障"],
    ),
    ("a-edu", "A市教育局", "A市教育局", K.DEPARTMENT, "a-gov", ["教育局"], ["教育文体"]),
    ("a-health", "A市卫生健康委员会", "A市卫健委", K.DEPARTMENT, "a-gov", ["卫健委", "卫生局"], ["卫生计生"]),
    (
        "a-env",
        "A市生态环境局",
        "A市生态环境局",
        K.DEPARTMENT,
        "a-gov",
        ["环保局", "生态环境局"],
        ["环境保护"],
    ),
    (
        "a-transport",
        "A市交通运输局",
        "A市交通运输局",
        K.DEPARTMENT,
        "a-gov",
        ["交通局", "交通运输局"],
        ["交通运输"],
    ),
    ("a-commerce", "A市商务局", "A市商务局", K.DEPARTMENT, "a-gov", ["商务局", "旅游局"], ["商贸旅游"]),
    (
        "a-market",
        "A市市场监督管理局",
        "A市市场监管局",
        K.DEPARTMENT,
        "a-gov",
        ["市场监管局", "工商局"],
        ["经济管理"],
    ),
    (
        "a-land",
        "A市自然资源和规划局",
        "A市自然资源局",
        K.DEPARTMENT,
        "a-gov",
        ["自然资源局", "国土局", "规划局"],
        ["国土资源"],
    ),
    ("a-civil", "A市民政局", "A市民政局", K.DEPARTMENT, "a-gov", ["民政局"], ["民政"]),
    (
        "a-agri",
        "A市农业农村局",
        "A市农业农村局",
        K.DEPARTMENT,
        "a-gov",
        ["农业农村局", "农业局"],
        ["农村农业"],
    ),
    ("a-it", "A市工业和信息化局", "A市工信局", K.DEPARTMENT, "a-gov", ["工信局"], ["科技与信息产业"]),
    ("a-urban", "A市城市管理和综合执法局", "A市城管局", K.DEPARTMENT, "a-gov", ["城管局", "城管"], []),
]

PASSWORD_ENV_DEFAULT = "minsheng-demo"

# username → list of (organ code, role); the first entry is the user's main post.
DEMO_USERS: dict[str, tuple[str, list[tuple[str, str]]]] = {
    "registrar": (
        "王登记",
        [("a-bureau", Role.REGISTRAR), ("a-gov", Role.REGISTRAR), ("xd-gov", Role.REGISTRAR)],
    ),
    "dispatcher": ("李转办", [("a-bureau", Role.DISPATCHER)]),
    "caseworker": (
        "张承办",
        [("a-housing", Role.CASEWORKER), ("a-gov", Role.CASEWORKER), ("xd-gov", Role.CASEWORKER)],
    ),
    "organ_head": (
        "赵局长",
        [("a-housing", Role.ORGAN_HEAD), ("a-gov", Role.ORGAN_HEAD), ("xd-gov", Role.ORGAN_HEAD)],
    ),
    "supervisor": ("陈督查", [("a-gov", Role.SUPERVISOR)]),
    "leader": ("刘市长", [("a-gov", Role.LEADER)]),
    "analyst": ("周研判", [("a-gov", Role.ANALYST)]),
    "admin": ("系统管理员", []),
    # More staff, so that inboxes look like a real city's.
    "bureau_head": ("孙主任", [("a-bureau", Role.ORGAN_HEAD)]),
    # Heads who sign 复查/复核 opinions: never the ones who decided or signed the opinion under review.
    "gov_head": ("钱秘书长", [("a-gov", Role.ORGAN_HEAD)]),
    "province_head": ("孔主任", [("xd-gov", Role.ORGAN_HEAD)]),
    "hrss_caseworker": ("吴承办", [("a-hrss", Role.CASEWORKER)]),
    "hrss_head": ("郑局长", [("a-hrss", Role.ORGAN_HEAD)]),
    "edu_caseworker": ("冯承办", [("a-edu", Role.CASEWORKER)]),
    "env_caseworker": ("何承办", [("a-env", Role.CASEWORKER)]),
    "discipline_caseworker": ("许承办", [("a-discipline", Role.CASEWORKER)]),
    "a5_caseworker": ("马承办", [("a5-gov", Role.CASEWORKER)]),
    # The office of the 信访工作联席会议 (Art. 24(1): disputes without a common superior).
    "joint_office": ("林联席", [("a-joint", Role.DISPATCHER), ("xd-joint", Role.DISPATCHER)]),
}


@dataclass
class DemoWorld:
    city: Region
    bureau: Organ
    organs: dict[str, Organ]
    users: dict[str, AbstractUser]


def load_categories() -> int:
    """The 3-level TipDM taxonomy (vendored). Idempotent."""
    if Category.objects.exists():
        return Category.objects.count()
    with gzip.open(DATA_DIR / "taxonomy.csv.gz", "rt", encoding="utf-8") as handle:
        rows = list(csv.reader(handle))[1:]
    level1 = {r[0] for r in rows}
    l1 = {name: Category(name=name, level=1, path=name) for name in sorted(level1)}
    Category.objects.bulk_create(l1.values())
    l1 = {c.name: c for c in Category.objects.filter(level=1)}
    l2: dict[str, Category] = {}
    for a, b, _c in rows:
        key = f"{a}/{b}"
        if key not in l2:
            l2[key] = Category(name=b, level=2, parent=l1[a], path=key)
    Category.objects.bulk_create(l2.values())
    l2 = {c.path: c for c in Category.objects.filter(level=2)}
    l3 = {}
    for a, b, c in rows:
        key = f"{a}/{b}/{c}"
        if key not in l3:
            l3[key] = Category(name=c, level=3, parent=l2[f"{a}/{b}"], path=key)
    Category.objects.bulk_create(l3.values())
    return Category.objects.count()


def _regions(specs: list[tuple[str, str, int, str | None, list[str]]]) -> dict[str, Region]:
    """Create or update regions (code, name, level, parent code, aliases) by code, parents before
    children, in a few statements per level: the world is built for every test that asks for it.
    Bulk writes send no save signal, so the cached reference tables are marked stale here."""
    by_code = Region.objects.in_bulk([spec[0] for spec in specs], field_name="code")
    touched = False
    for level in sorted({spec[2] for spec in specs}):
        new: list[Region] = []
        changed: list[Region] = []
        for code, name, lvl, parent_code, aliases in specs:
            if lvl != level:
                continue
            parent = by_code[parent_code] if parent_code else None
            region = by_code.get(code)
            if region is None:
                new.append(Region(code=code, name=name, level=lvl, parent=parent, aliases=aliases))
            elif (region.name, region.level, region.parent_id, region.aliases) != (
                name,
                lvl,
                parent.pk if parent else None,
                aliases,
            ):
                region.name, region.level, region.parent, region.aliases = name, lvl, parent, aliases
                changed.append(region)
        if new:
            Region.objects.bulk_create(new)
            by_code.update(Region.objects.in_bulk([r.code for r in new], field_name="code"))
        if changed:
            Region.objects.bulk_update(changed, ["name", "level", "parent", "aliases"])
        touched = touched or bool(new or changed)
    if touched:
        freshness.bump_now_and_after_commit(freshness.REFERENCE_TABLES)
    return by_code


def _organ(
    code: str,
    name: str,
    short: str,
    kind: str,
    level: int,
    region: Region,
    parent: Organ | None,
    aliases: list[str],
    **extra: str,
) -> Organ:
    defaults = {
        "name": name,
        "short_name": short,
        "kind": kind,
        "level": level,
        "region": region,
        "parent": parent,
        "aliases": aliases,
        **extra,
    }
    organ, _ = Organ.objects.update_or_create(code=code, defaults=defaults)
    return organ


@transaction.atomic
def build_demo_world(password: str = PASSWORD_ENV_DEFAULT) -> DemoWorld:
    """Regions, organs, responsibilities and demo users. Safe to run again (idempotent)."""
    load_categories()
    specs: list[tuple[str, str, int, str | None, list[str]]] = [
        ("430000", "西地省", 1, None, ["西地"]),
        ("439900", "A市", 2, "430000", ["A市区"]),
    ]
    specs += [(f"43{i + 10:02d}00", other, 2, "430000", []) for i, other in enumerate(OTHER_CITIES, start=1)]
    for code, name, level, aliases in DISTRICTS:
        specs.append((code, name, level, "439900", aliases))
        for s_index, (street, street_aliases) in enumerate(streets_of(name), start=1):
            specs.append((f"{code}{s_index:03d}", street, 4, code, street_aliases))
    regions = _regions(specs)
    province, city = regions["430000"], regions["439900"]
    districts = {name: regions[code] for code, name, _level, _aliases in DISTRICTS}

    organs: dict[str, Organ] = {}
    organs["xd-party"] = _organ(
        "xd-party", "中共西地省委员会", "西地省委", K.PARTY_COMMITTEE, 1, province, None, ["省委"]
    )
    organs["xd-gov"] = _organ(
        "xd-gov", "西地省人民政府", "西地省政府", K.GOVERNMENT, 1, province, None, ["省政府"]
    )
    organs["xd-bureau"] = _organ(
        "xd-bureau",
        "西地省信访局",
        "西地省信访局",
        K.PETITION_BUREAU,
        1,
        province,
        organs["xd-gov"],
        ["省信访局"],
        address="西地省省府路1号",
        phone="0700-12345",
        reception_hours="工作日 8:30–12:00，14:30–17:30",
    )
    for code, name, short, kind, parent_code, aliases, _cats in CITY_ORGANS:
        parent = organs.get(parent_code) if parent_code else None
        extra = {}
        if kind == K.PETITION_BUREAU:
            extra = {
                "address": "A市人民路88号市民之家二楼",
                "phone": "0731-12345",
                "reception_hours": "工作日 9:00–12:00，13:30–17:00；每月15日市领导接访日",
            }
        organs[code] = _organ(code, name, short, kind, 2, city, parent, aliases, **extra)
    # Art. 24(1): one 信访工作联席会议 per region; outside the organ tree (no parent), it coordinates
    # disputes between organs that have no common superior, and its office receives urgent reports.
    organs["xd-joint"] = _organ(
        "xd-joint",
        "西地省信访工作联席会议",
        "西地省联席会议",
        K.JOINT_CONFERENCE,
        1,
        province,
        None,
        ["省联席会议"],
    )
    organs["a-joint"] = _organ(
        "a-joint", "A市信访工作联席会议", "A市联席会议", K.JOINT_CONFERENCE, 2, city, None, ["市联席会议"]
    )
    organs["a-gov"].review_organ = organs["xd-gov"]
    organs["a-gov"].save(update_fields=["review_organ"])
    for name, district in districts.items():
        prefix = name.lower().replace("区", "").replace("县", "")
        kind_name = "人民政府"
        gov = _organ(
            f"{prefix}-gov",
            f"{name}{kind_name}",
            f"{name}政府",
            K.GOVERNMENT,
            3,
            district,
            organs["a-gov"],
            [f"{name}政府"],
        )
        organs[f"{prefix}-gov"] = gov
        organs[f"{prefix}-bureau"] = _organ(
            f"{prefix}-bureau",
            f"{name}信访局",
            f"{name}信访局",
            K.PETITION_BUREAU,
            3,
            district,
            gov,
            [f"{name}信访局"],
            address=f"{name}政务中心一楼",
            reception_hours="工作日 9:00–17:00",
        )
    # Responsibilities: city departments for the whole city by category; district governments
    # for their own district (属地管理), with the department as the more specific competence.
    categories = {c.name: c for c in Category.objects.filter(level=1)}
    for code, _n, _s, _k, _p, _a, cats in CITY_ORGANS:
        for cat in cats:
            Responsibility.objects.get_or_create(
                organ=organs[code], category=categories[cat], region=city, defaults={"priority": 100}
            )
    for name, district in districts.items():
        prefix = name.lower().replace("区", "").replace("县", "")
        for cat in ("城乡建设", "民政", "农村农业", "环境保护"):
            Responsibility.objects.get_or_create(
                organ=organs[f"{prefix}-gov"],
                category=categories[cat],
                region=district,
                defaults={"priority": 150},
            )

    user_model = get_user_model()
    users: dict[str, AbstractUser] = {}
    for username, (full_name, posts) in DEMO_USERS.items():
        user, created = user_model.objects.get_or_create(
            username=username, defaults={"first_name": full_name}
        )
        if created or not user.check_password(password):
            user.set_password(password)
        user.first_name = full_name
        user.is_staff = username == "admin"
        user.is_superuser = username == "admin"
        user.save()
        for organ_code, role in posts:
            StaffMembership.objects.get_or_create(user=user, organ=organs[organ_code], role=role)
        users[username] = user
    for code, head in (("a-housing", "organ_head"), ("a-bureau", "bureau_head"), ("a-hrss", "hrss_head")):
        organs[code].head = users[head]  # type: ignore[assignment]
        organs[code].save(update_fields=["head"])
    return DemoWorld(city=city, bureau=organs["a-bureau"], organs=organs, users=users)
