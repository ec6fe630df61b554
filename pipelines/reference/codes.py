"""Reference codes every layer shares: the city's code and the code lists of the spec (each
code's Chinese and English label and the other spellings offices write). Loaded into
`ref.code_labels` by `load.py`; read by intake to recognise values and by every reader for labels."""

from __future__ import annotations

CITY = "120000"  # Tianjin: the geo code of city-wide figures

# Code lists: code -> (zh label, en label, accepted spellings beyond the two labels)
CODE_LISTS: dict[str, dict[str, tuple[str, str, tuple[str, ...]]]] = {
    "school_type": {
        "primary": ("小学", "Primary school", ()),
        "junior_secondary": ("初级中学", "Junior secondary school", ("初中",)),
        "nine_year": ("九年一贯制", "Nine-year school", ("九年一贯制学校",)),
        "complete_secondary": ("完全中学", "Complete secondary school", ()),
        "senior_secondary": ("高级中学", "Senior secondary school", ("高中",)),
        "twelve_year": ("十二年一贯制", "Twelve-year school", ("十二年一贯制学校",)),
        "higher_education": ("高校", "Higher education", ("普通高校", "大学")),
        "special_education": ("特殊教育", "Special education", ("特教", "特殊教育学校")),
        "other": ("其他", "Other", ()),
    },
    "ownership": {
        "public": ("公办", "Public", ()),
        "private": ("民办", "Private", ()),
    },
    "shs_stage": {
        "applied": ("申报", "Applied", ()),
        "district_recommended": ("区推荐", "Recommended by district", ()),
        "city_approved": ("市立项", "Approved by city", ()),
        "midterm_reviewed": ("中期评估", "Mid-term reviewed", ()),
        "named": ("验收命名", "Named", ()),
        "rectification": ("整改", "Under rectification", ()),
        "withdrawn": ("退出", "Withdrawn", ()),
    },
    "discipline": {
        "mathematics": ("数学", "Mathematics", ()),
        "physics": ("物理", "Physics", ()),
        "chemistry": ("化学", "Chemistry", ()),
        "biology": ("生物学", "Biology", ("生物",)),
        "it_ai": ("信息技术与人工智能", "IT and AI", ()),
        "engineering": ("工程与技术", "Engineering and technology", ()),
        "geo_earth": ("地理与地球科学", "Geography and earth science", ()),
        "medicine_health": ("医学与生命健康", "Medicine and life health", ()),
        "interdisciplinary": ("跨学科", "Interdisciplinary", ()),
    },
    "base_status": {
        "applied": ("申报", "Applied", ()),
        "established": ("立项建设", "Established", ()),
        "midterm_reviewed": ("中期评估", "Mid-term reviewed", ()),
        "accredited": ("通过评估", "Accredited", ()),
        "revoked": ("撤销", "Revoked", ()),
    },
    "yip_status": {
        "enrolled": ("在读", "Enrolled", ()),
        "completed": ("结业", "Completed", ()),
        "withdrawn": ("退出", "Withdrawn", ()),
    },
    "gender": {
        "male": ("男", "Male", ("M",)),
        "female": ("女", "Female", ("F",)),
    },
    "member_type": {
        "primary": ("小学", "Primary school", ()),
        "junior": ("初中", "Junior secondary", ("初级中学",)),
        "senior": ("高中", "Senior secondary", ("高级中学",)),
        "complete_secondary": ("完全中学", "Complete secondary", ()),
        "university": ("高校", "University", ("大学",)),
        "research_institute": ("科研院所", "Research institute", ()),
        "enterprise": ("企业", "Enterprise", ()),
        "other": ("其他", "Other", ()),
    },
}
