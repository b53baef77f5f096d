"""Forms of the citizen portal. Labels and help texts are plain words, all translatable."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from typing import Any

from django import forms
from django.core.files.uploadedfile import UploadedFile
from django.utils.translation import gettext_lazy as _

from minsheng.petitions.models import Nature
from minsheng.portal import queries
from minsheng.portal.security import (
    MAX_ATTACHMENT_BYTES,
    MAX_ATTACHMENTS,
    normalise_phone,
    sniff_content_type,
    valid_mobile,
)
from minsheng.portal.tracking import clean_tracking_code

NATURE_CHOICES = [
    (Nature.SUGGESTION.value, _("提建议、意见")),
    (Nature.GRIEVANCE.value, _("投诉或提出诉求（要求解决自己的问题）")),
    (Nature.ACCUSATION.value, _("检举控告（反映公职人员或单位的违法违纪行为）")),
]


class PortalForm(forms.Form):
    """Adds aria-describedby / aria-invalid for errors and help texts (WCAG 3.3.1, 1.3.1)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for name, field in self.fields.items():
            if (
                field.required
                and field.error_messages.get("required") == forms.Field.default_error_messages["required"]
            ):
                field.error_messages["required"] = _("此项必填：%(label)s") % {
                    "label": str(field.label).rstrip("？?")
                }
            attrs = field.widget.attrs
            described = []
            if field.help_text:
                described.append(f"id_{name}_hint")
            if described:
                attrs["aria-describedby"] = " ".join(described)

    def full_clean(self) -> None:
        super().full_clean()
        for name in self.errors:
            if name in self.fields:
                self.fields[name].widget.attrs["aria-invalid"] = "true"
                hint = f"id_{name}_hint " if self.fields[name].help_text else ""
                self.fields[name].widget.attrs["aria-describedby"] = f"{hint}id_{name}_error"


class MatterForm(PortalForm):
    nature = forms.ChoiceField(
        label=_("您要反映的是哪一类事情？"), choices=NATURE_CHOICES, widget=forms.RadioSelect
    )
    title = forms.CharField(
        label=_("用一句话概括您的事情"),
        max_length=60,
        help_text=_("例如：小区旁工地夜间施工噪音扰民。最多60字。"),
    )
    facts = forms.CharField(
        label=_("发生了什么（事实）"),
        max_length=5000,
        widget=forms.Textarea(attrs={"rows": 6}),
        help_text=_("写清楚时间、地点、经过和涉及的人或单位。最多5000字。"),
    )
    request_text = forms.CharField(
        label=_("您希望解决什么（请求）"),
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("例如：请求责令工地停止夜间施工。"),
    )
    reasons = forms.CharField(
        label=_("为什么（理由）"),
        max_length=3000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("可选。说明您的请求有什么依据。"),
    )
    region = forms.ChoiceField(
        label=_("事情发生在哪个区县、街道"),
        required=False,
        help_text=_("可选。不清楚的话，请在下一栏写地点。"),
    )
    place_text = forms.CharField(label=_("具体地点"), max_length=200, required=False)
    accused_organ = forms.ChoiceField(
        label=_("被检举控告的单位（可选）"),
        required=False,
        help_text=_("只在检举控告时填写。您的身份不会告诉被检举控告的单位。"),
    )
    accused_person = forms.CharField(label=_("被检举控告的人（可选）"), max_length=100, required=False)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        region_field: Any = self.fields["region"]
        region_field.choices = [("", _("请选择")), *queries.region_choices()]
        organ_field: Any = self.fields["accused_organ"]
        organ_field.choices = [("", _("不填写")), *queries.accused_organ_choices()]
        self.fields["title"].widget.attrs.update({"autocomplete": "off"})

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("nature") != Nature.ACCUSATION:
            if data.get("accused_organ"):
                self.add_error("accused_organ", _("只有检举控告才填写被检举控告的单位。"))
            data["accused_person"] = ""
        return data


def sms_code_field(help_text: Any = "") -> forms.CharField:
    """The field of a one-time SMS code (6 digits, optional until the action that needs it; the
    browser offers the code it received). One definition for every form that proves a phone."""
    return forms.CharField(
        label=_("短信验证码"),
        max_length=6,
        required=False,
        help_text=help_text,
        widget=forms.TextInput(attrs={"autocomplete": "one-time-code", "inputmode": "numeric"}),
    )


class ContactForm(PortalForm):
    anonymous = forms.BooleanField(
        label=_("我要匿名检举（不留姓名和联系方式）"),
        required=False,
        help_text=_("匿名检举无法接收短信通知，也无法核实情况；请务必记下查询码和查询密码。"),
    )
    name = forms.CharField(
        label=_("姓名"), max_length=50, required=False, widget=forms.TextInput(attrs={"autocomplete": "name"})
    )
    phone = forms.CharField(
        label=_("手机号码"),
        max_length=20,
        required=False,
        help_text=_("我们会发送验证码以确认是您本人，并用短信告知办理进展。"),
        widget=forms.TextInput(attrs={"autocomplete": "tel", "inputmode": "numeric"}),
    )
    code = sms_code_field()
    address = forms.CharField(
        label=_("联系地址"),
        max_length=200,
        required=False,
        help_text=_("用于邮寄书面答复。"),
        widget=forms.TextInput(attrs={"autocomplete": "street-address"}),
    )
    id_number = forms.CharField(
        label=_("身份证号码（可选）"),
        max_length=30,
        required=False,
        help_text=_("可选。填写后便于核实身份、合并您的多次来信。"),
    )

    def __init__(self, *args: Any, allow_anonymous: bool = False, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if not allow_anonymous:
            del self.fields["anonymous"]

    def clean_phone(self) -> str:
        phone = normalise_phone(self.cleaned_data.get("phone") or "")
        if phone and not valid_mobile(phone):
            raise forms.ValidationError(_("请输入11位手机号码，例如 13800138000。"))
        return phone

    def clean_id_number(self) -> str:
        from minsheng.petitions.services import _valid_id_number

        value = (self.cleaned_data.get("id_number") or "").strip().upper()
        if value and not _valid_id_number(value):
            raise forms.ValidationError(_("身份证号码有误，请核对。"))
        return value

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("anonymous"):
            return data
        if not (data.get("name") or "").strip():
            self.add_error("name", _("请填写姓名。"))
        if not data.get("phone") and "phone" not in self.errors:
            self.add_error("phone", _("请填写手机号码。"))
        return data


@dataclass
class CleanUpload:
    name: str
    content: bytes
    content_type: str
    sha256: str


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.Field):
    """Several files under one name; checked in ConfirmForm.clean_attachments."""

    widget = MultipleFileInput

    def clean(self, value: Any) -> Any:
        return value


class UploadsForm(PortalForm):
    """A form with up to three JPG/PNG/PDF files (type by magic bytes), in ``self.uploads``."""

    attachments = MultipleFileField(
        label=_("附件（可选）"),
        required=False,
        help_text=_("最多3个文件，每个不超过5MB；只接受 JPG、PNG 图片和 PDF 文件。"),
        widget=MultipleFileInput(
            attrs={"accept": ".jpg,.jpeg,.png,.pdf,image/jpeg,image/png,application/pdf", "multiple": True}
        ),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.uploads: list[CleanUpload] = []

    def clean_attachments(self) -> Any:
        files: list[UploadedFile] = self.files.getlist("attachments") if self.files else []
        files = [f for f in files if f and f.name]
        if len(files) > MAX_ATTACHMENTS:
            raise forms.ValidationError(_("最多上传3个附件。"))
        uploads: list[CleanUpload] = []
        for upload in files:
            if (upload.size or 0) > MAX_ATTACHMENT_BYTES:
                raise forms.ValidationError(_("文件“%(n)s”超过5MB，请压缩后再上传。") % {"n": upload.name})
            content = upload.read(MAX_ATTACHMENT_BYTES + 1)
            if len(content) > MAX_ATTACHMENT_BYTES:
                raise forms.ValidationError(_("文件“%(n)s”超过5MB，请压缩后再上传。") % {"n": upload.name})
            content_type = sniff_content_type(content[:16])
            if content_type is None:
                raise forms.ValidationError(
                    _("文件“%(n)s”不是 JPG、PNG 图片或 PDF 文件。") % {"n": upload.name}
                )
            uploads.append(
                CleanUpload(
                    name=(upload.name or "file")[-100:],
                    content=content,
                    content_type=content_type,
                    sha256=hashlib.sha256(content).hexdigest(),
                )
            )
        self.uploads = uploads
        return None


class ConfirmForm(UploadsForm):
    truthful = forms.BooleanField(
        label=_("我承诺所反映的情况真实，不捏造、歪曲事实，不诬告、陷害他人。"),
        error_messages={"required": _("请阅读并确认真实性承诺。")},
    )
    privacy = forms.BooleanField(
        label=_("我已阅读个人信息保护告知，同意为办理本信访事项处理我的个人信息。"),
        error_messages={"required": _("请阅读并同意个人信息保护告知。")},
    )


class TrackForm(PortalForm):
    tracking_code = forms.CharField(
        label=_("查询码"),
        max_length=20,
        help_text=_("提交成功后显示的12位查询码，例如 251201ABCDEF。"),
        widget=forms.TextInput(
            attrs={"autocomplete": "off", "autocapitalize": "characters", "spellcheck": "false"}
        ),
    )
    password = forms.CharField(
        label=_("查询密码"),
        max_length=20,
        widget=forms.PasswordInput(attrs={"autocomplete": "off", "inputmode": "numeric"}),
    )

    def clean_tracking_code(self) -> str:
        return clean_tracking_code(self.cleaned_data.get("tracking_code") or "")


RATING_CHOICES = [
    ("satisfied", _("满意")),
    ("basically_satisfied", _("基本满意")),
    ("unsatisfied", _("不满意")),
]


class RateForm(PortalForm):
    value = forms.ChoiceField(
        label=_("您对办理结果满意吗？"), choices=RATING_CHOICES, widget=forms.RadioSelect
    )
    comment = forms.CharField(
        label=_("您的意见（可选）"),
        max_length=2000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
    )


class BureauRateForm(RateForm):
    """The separate rating of the petition bureau (its fields are prefixed ``bureau-``)."""

    prefix = "bureau"
    value = forms.ChoiceField(
        label=_("您对信访部门（登记、转送交办）的工作满意吗？"),
        choices=RATING_CHOICES,
        widget=forms.RadioSelect,
    )


class AppealForm(UploadsForm):
    reasons = forms.CharField(
        label=_("您为什么不同意处理意见"),
        max_length=5000,
        widget=forms.Textarea(attrs={"rows": 5}),
    )
    good_reason = forms.CharField(
        label=_("逾期的正当理由（仅在期限已过时填写）"),
        max_length=2000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
    )


class PhoneForm(PortalForm):
    phone = forms.CharField(
        label=_("手机号码"),
        max_length=20,
        widget=forms.TextInput(attrs={"autocomplete": "tel", "inputmode": "numeric"}),
    )

    def clean_phone(self) -> str:
        phone = normalise_phone(self.cleaned_data.get("phone") or "")
        if not valid_mobile(phone):
            raise forms.ValidationError(_("请输入11位手机号码，例如 13800138000。"))
        return phone


class CodeLoginForm(PhoneForm):
    code = sms_code_field()


class PasswordLoginForm(PhoneForm):
    password = forms.CharField(
        label=_("密码"),
        max_length=128,
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
    )


class SetPasswordForm(PortalForm):
    password = forms.CharField(
        label=_("新密码"),
        min_length=10,
        max_length=128,
        help_text=_("至少10个字符。设置后可以用手机号码和密码登录。"),
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )
