"""Default wording of each document (used until an administrator edits the template in the admin).

Bodies are Django templates rendered as plain text. Paragraphs are separated by blank lines; a
paragraph starting with "# " is a heading. Variables: see ``minsheng.documents.services``.
"""

from __future__ import annotations

DEFAULT_TEMPLATES: dict[str, tuple[str, str]] = {
    "accept_notice": (
        "信访事项受理告知书",
        """{{ petitioner_name }}：

您于{{ received_date }}通过{{ channel }}提出的信访事项（查询码：{{ tracking_code }}，事由：{{ petition_title }}），本机关已于{{ accepted_date }}依法受理。

本机关将依照《信访工作条例》第三十四条的规定，自受理之日起60日内办结{% if handling_due_date %}，即最迟于{{ handling_due_date }}向您出具书面处理意见{% endif %}；情况复杂的，经本机关负责人批准，可以适当延长办理期限，但延长期限不得超过30日，并告知您延期理由。{% if provisional_rule %}

{{ provisional_rule }}{% endif %}

您可以凭查询码和查询密码，通过网上信访平台查询办理进展和结果。

特此告知。""",
    ),
    "no_reaccept_notice": (
        "信访事项不再受理告知书",
        """{{ petitioner_name }}：

您于{{ received_date }}通过{{ channel }}提出的信访事项（查询码：{{ tracking_code }}，事由：{{ petition_title }}），经审查，与您此前提出并已经复核终结的信访事项（查询码：{{ related_code }}）系同一事实和理由。

# 不再受理的依据

《信访工作条例》第三十六条第三款规定：信访人对复核意见不服，仍然以同一事实和理由提出投诉请求的，各级党委和政府信访部门和其他机关、单位不再受理。{% if explanation %}

{{ explanation }}{% endif %}

如您有新的事实或者理由，可以另行提出。依照《信访工作条例》第三十七条第三款，{{ follow_up_organ|default:"当地党委和政府" }}将继续做好疏导教育、矛盾化解、帮扶救助工作。

特此告知。""",
    ),
    "not_accept_notice": (
        "信访事项不予受理告知书",
        """{{ petitioner_name }}：

您于{{ received_date }}通过{{ channel }}提出的信访事项（查询码：{{ tracking_code }}，事由：{{ petition_title }}），经审查，本机关决定不予受理。

# 不予受理的理由

{{ reason }}{% if explanation %}。{{ explanation }}{% endif %}

{% if guidance_organ %}# 提出途径

您可以依法向{{ guidance_organ }}提出{% if guidance_address %}（地址：{{ guidance_address }}{% if guidance_phone %}；电话：{{ guidance_phone }}{% endif %}）{% endif %}。{% endif %}

特此告知。""",
    ),
    "extension_notice": (
        "信访事项延期办理告知书",
        """{{ petitioner_name }}：

您提出的信访事项（查询码：{{ tracking_code }}，事由：{{ petition_title }}），本机关已于{{ accepted_date }}受理。

# 延期理由

{{ extension_reason }}

经本机关负责人批准，依照《信访工作条例》第三十四条的规定，办理期限延长{{ extension_days }}日{% if new_due_date %}，至{{ new_due_date }}{% endif %}。

特此告知。""",
    ),
    "handling_opinion": (
        "信访事项处理意见书",
        """{{ petitioner_name }}：

您于{{ received_date }}提出的信访事项（查询码：{{ tracking_code }}）已办理完毕，现将处理意见告知如下。

# 一、信访人投诉请求

{{ request }}

# 二、事实和理由

{{ facts_and_reasons }}

# 三、处理意见

{{ opinion }}（{{ outcome }}）

# 四、法律法规依据

{{ legal_basis }}

# 五、复查申请权利

如对本处理意见不服，您可以自收到本意见书之日起{{ appeal_days }}日内，向{{ appeal_organ }}书面提出复查请求（《信访工作条例》第三十五条）。""",
    ),
    "review_opinion": (
        "信访事项复查意见书",
        """{{ petitioner_name }}：

您对{{ original_organ }}出具的信访事项处理意见不服，于{{ appeal_received_date }}提出复查请求（查询码：{{ tracking_code }}）。本机关经复查，现将复查意见告知如下。

# 一、复查请求

{{ request }}

# 二、事实和理由

{{ facts_and_reasons }}

# 三、复查意见

{{ opinion }}（{{ outcome }}）

# 四、法律法规依据

{{ legal_basis }}

# 五、复核申请权利

如对本复查意见不服，您可以自收到本意见书之日起{{ appeal_days }}日内，向{{ appeal_organ }}书面提出复核请求（《信访工作条例》第三十六条）。""",
    ),
    "recheck_opinion": (
        "信访事项复核意见书",
        """{{ petitioner_name }}：

您对{{ original_organ }}出具的复查意见不服，于{{ appeal_received_date }}提出复核请求（查询码：{{ tracking_code }}）。本机关经复核，现将复核意见告知如下。

# 一、复核请求

{{ request }}

# 二、事实和理由

{{ facts_and_reasons }}

# 三、复核意见

{{ opinion }}（{{ outcome }}）

# 四、法律法规依据

{{ legal_basis }}

# 五、告知事项

本复核意见为终结意见。您对复核意见不服，仍以同一事实和理由提出投诉请求的，各级党委和政府信访部门和其他机关、单位不再受理（《信访工作条例》第三十六条第三款）。""",
    ),
}
