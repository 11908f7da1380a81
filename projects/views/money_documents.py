"""The documents behind money entries and procedure steps (拨付凭证, 中标通知书 …)."""

from django.http import Http404

from projects.models import MoneyDocument
from projects.views.dashboard import uploaded_file


def money_document(request, key):
    """A money document: for anyone only if it is a redacted copy published with its
    approved entry (`MoneyDocument.objects.public()`); otherwise only for the officials
    who may see its entry. The originals carry bank accounts, ID numbers and signatures:
    they are never public. Served like evidence: never rendered as a page of ours."""
    public = MoneyDocument.objects.public().filter(key=key).first()
    document = public
    if document is None and request.user.is_authenticated and request.user.is_staff:
        document = MoneyDocument.objects.visible_to(request.user).filter(key=key).first()
    if document is None:
        raise Http404("没有这个文件。")
    return uploaded_file(
        document.file,
        document.content_type,
        f"money-{document.key.hex[:12]}{document.extension}",
        public is not None,
        as_attachment=document.content_type == "application/pdf",
    )
