"""The public's voice: everything the public sends, one model and one path.

A member of the public writes (a kind of `PublicInput`: this release has the 留言, a
question or suggestion about a project; proposals, ratings, problems, objections and
deputies' questions are further kinds of the same model). Nothing is public until a
moderator decides (`moderate`): 已公开, 已合并 into another, 不予公开 with a reason,
or 已屏蔽. The lead department answers (`Answer`), and the moderator approves the
answer before it is public, as a reviewer approves a figure.

Where each rule lives:
- what the public may see: `PublicInput.objects.public()`, `Answer.objects.public()`;
- what an official may see: `PublicInputQuerySet.visible_to` (moderators all, the lead
  department's reporters their projects' published items, nobody else);
- who may see a name and phone number: `PublicInput.shows_contact_to` (moderators, and
  the reporters of the department that answers the item; not a reviewer deciding an
  objection, whose decision needs none); they are in their own fields, left out of
  the history, the API, exports and every page, and `purge_contacts` empties them
  after `CONTACT_RETENTION_DAYS`;
- the answer's time limit: the plan's rule `answer_working_days`, counted in working
  days (`projects/rules/workdays.py`) from the day the item was received.
"""

import uuid
from dataclasses import dataclass
from datetime import timedelta
from decimal import ROUND_HALF_UP, Decimal

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models, transaction
from django.db.models import Count, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from projects.models.plan_rules import PlanRule
from projects.models.plans import Department, Plan, in_published_plan, in_served_jurisdiction
from projects.models.reports import IMAGE_EXTENSIONS
from projects.models.review import Reviewed, hands_in_history, official_field
from projects.models.tracking import Project
from projects.rules import clock, receipts, workdays
from projects.rules.days import end_of

# A question is read on a phone: long enough for a paragraph with its facts.
TEXT_MIN = 5
TEXT_MAX = 500
ANSWER_MAX = 2000


def photo_path(item, filename):
    """voice/<random>.<ext>: a name nobody can guess, the extension from the content."""
    return f"voice/{item.key.hex}{item.photo_extension}"


class PublicInputQuerySet(models.QuerySet):
    def public(self):
        """Items a moderator published (or merged into another) about published plans:
        what anyone may read."""
        return self.filter(in_published_plan("plan"), state__in=PublicInput.PUBLIC_STATES).filter(
            Q(project__isnull=True) | in_published_plan("project__plan")
        )

    def visible_to(self, user):
        """Items an official may open: every item for a moderator; published objections
        for a reviewer who decides them; for a reporter, the published items about the
        projects their departments lead (they answer them); nothing for anyone else.
        Who of them sees the writer's contact details: `PublicInput.shows_contact_to`."""
        if not user.is_active:
            return self.none()
        if user.has_perm("projects.moderate_publicinput"):
            return self.filter(in_served_jurisdiction("plan"))
        if user.has_perm("projects.decide_objection"):
            return self.filter(
                in_served_jurisdiction("plan"),
                kind=PublicInput.Kind.OBJECTION,
                state=PublicInput.State.PUBLISHED,
            )
        if user.has_perm("projects.add_answer"):
            return self.filter(
                state=PublicInput.State.PUBLISHED,
                project__lead_department__members=user,
            )
        return self.none()

    def counts(self):
        """{received, published, adopted}: every post, the public ones, and the
        proposals made candidates (one query)."""
        public = Q(state__in=PublicInput.PUBLIC_STATES) & in_published_plan("plan")
        return self.aggregate(
            received=Count("pk"),
            published=Count("pk", filter=public),
            adopted=Count("pk", filter=public & Q(outcome=PublicInput.Outcome.ADOPTED)),
        )

    def by_token(self, token):
        """The item whose private tracking link carries `token` (at most one)."""
        return self.filter(tracking_hash=receipts.token_hash(token))

    def pending(self):
        """The moderation queue, oldest first."""
        return self.filter(state=PublicInput.State.PENDING).order_by("received_at", "pk")

    def with_answer(self):
        return self.select_related("project__plan", "plan", "answer__department")

    def contacts_expired(self, now=None):
        """Items still holding a name or phone number after the retention period: the
        plan was archived more than CONTACT_RETENTION_DAYS ago."""
        now = now or clock.now()
        cutoff = now - timedelta(days=settings.CONTACT_RETENTION_DAYS)
        return self.filter(plan__archived_at__lt=cutoff).exclude(name="", phone="")


class PublicInput(Reviewed, models.Model):
    WHAT = "留言"

    class Kind(models.TextChoices):
        QUESTION = "question", _("留言")
        PROPOSAL = "proposal", _("推荐项目")
        DEPUTY = "deputy", _("代表意见")
        COMMENT = "comment", _("对候选项目的意见")
        PROBLEM = "problem", _("码上提")
        RATING = "rating", _("码上评留言")
        OBJECTION = "objection", _("对完成公示的异议")
        SURVEY = "survey", _("满意度调查意见")

    class Category(models.TextChoices):
        JOBS = "jobs", _("就业")
        EDUCATION = "education", _("教育")
        HEALTH = "health", _("医疗")
        ELDERLY = "elderly", _("养老")
        HOUSING = "housing", _("住房")
        TRANSPORT = "transport", _("交通")
        ENVIRONMENT = "environment", _("环境")
        SERVICES = "services", _("政务服务")
        OTHER = "other", _("其他")

    class Outcome(models.TextChoices):
        """What became of a published proposal (群众推荐) in 遴选."""

        ADOPTED = "adopted", _("列为候选")
        NOT_ADOPTED = "not_adopted", _("不予采纳")
        UPHELD = "upheld", _("异议成立，整改")
        DISMISSED = "dismissed", _("异议不成立")

    class State(models.TextChoices):
        PENDING = "pending", _("待审")
        PUBLISHED = "published", _("已公开")
        MERGED = "merged", _("已合并")
        DECLINED = "declined", _("不予公开")
        BLOCKED = "blocked", _("已屏蔽")

    class Reason(models.TextChoices):
        OFF_TOPIC = "off_topic", _("与民生实事无关")
        PERSONAL = "personal", _("含他人或本人的个人信息")
        UNFOUNDED = "unfounded", _("内容不实或无法核实")
        OTHER_CHANNEL = "other_channel", _("属信访、投诉或诉讼事项，请通过相应渠道反映")
        OTHER = "other", _("其他")

    # What the public may read: a published item, and one merged into a published one
    # (its text stays, and it points to where it is answered).
    PUBLIC_STATES = (State.PUBLISHED, State.MERGED)
    # The kinds a department answers in public, within the plan's time limit.
    ANSWERED_KINDS = (Kind.QUESTION, Kind.DEPUTY, Kind.PROBLEM)
    # An objection the supervision office has still to decide (`uphold`, `dismiss`).
    UNDECIDED_OBJECTION = {"kind": Kind.OBJECTION, "state": State.PUBLISHED, "outcome": ""}

    key = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    kind = models.CharField("类型", max_length=20, choices=Kind, default=Kind.QUESTION)
    plan = models.ForeignKey(
        Plan, on_delete=models.PROTECT, related_name="public_input", verbose_name="年度计划"
    )
    project = models.ForeignKey(
        Project,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="public_input",
        verbose_name="实事",
    )
    # A problem raised at a site (码上提), or a rating's comment given there.
    site = models.ForeignKey(
        "Site",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="public_input",
        verbose_name="点位",
    )
    title = models.CharField("项目名称", max_length=60, blank=True)  # a proposal's "what"
    category = models.CharField("类别", max_length=20, choices=Category, blank=True)
    text = models.TextField("内容", max_length=TEXT_MAX)
    place = models.CharField("街道/社区", max_length=60, blank=True)
    photo = models.FileField("照片", upload_to=photo_path, max_length=200, blank=True)
    photo_type = models.CharField(max_length=20, blank=True, editable=False)
    photo_sha256 = models.CharField(max_length=64, blank=True, editable=False)
    # Personal information (PIPL): only for replying to the writer. Never in the text,
    # the history, an export, the API or a page; emptied by purge_contacts.
    name = models.CharField("姓名", max_length=30, blank=True)
    phone = models.CharField("联系电话", max_length=20, blank=True)
    contact_purged_at = models.DateTimeField(
        "联系方式删除时间", null=True, blank=True, editable=False
    )
    state = models.CharField(
        "状态", max_length=20, choices=State, default=State.PENDING, editable=False
    )
    merged_into = models.ForeignKey(
        "self",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="merged",
        verbose_name="合并到",
    )
    decline_reason = models.CharField("不予公开的原因", max_length=20, choices=Reason, blank=True)
    decision_note = models.TextField("处理说明", blank=True)
    outcome = models.CharField(
        "遴选结果", max_length=20, choices=Outcome, blank=True, editable=False
    )
    outcome_note = models.TextField("遴选说明", blank=True, editable=False)
    # An objection (异议) to a 公示: the notice it objects to, and when it was decided.
    notice = models.ForeignKey(
        "Notice",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        editable=False,
        related_name="objections",
        verbose_name="针对的完成公示",
    )
    outcome_at = models.DateTimeField("决定时间", null=True, blank=True, editable=False)
    outcome_by = official_field("决定人")
    candidate = models.ForeignKey(
        "Candidate",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        editable=False,
        related_name="proposals",
        verbose_name="列为的候选项目",
    )
    # A comment on a candidate, while the list is out for comment before the vote.
    about_candidate = models.ForeignKey(
        "Candidate",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        editable=False,
        related_name="comments",
        verbose_name="针对的候选项目",
    )
    # A 代表意见: the deputy's account (the public page says only 人大代表).
    deputy = official_field("提出意见的代表")
    received_at = models.DateTimeField("收到时间", default=clock.now, editable=False)
    decided_at = models.DateTimeField("处理时间", null=True, blank=True, editable=False)
    decided_by = official_field("处理人")
    # The receipt (rules/receipts.py): the 受理编号, and of the private tracking link's
    # token only its hash. Null (not "": unique) on items sent before receipts existed.
    code = models.CharField(  # noqa: DJ001
        "受理编号", max_length=8, unique=True, null=True, editable=False
    )
    tracking_hash = models.CharField(  # noqa: DJ001
        max_length=64, unique=True, null=True, editable=False
    )
    # The writer's verdict on the public answer, given once through the tracking link.
    helpful = models.BooleanField("答复是否有帮助", null=True, editable=False)
    helpful_at = models.DateTimeField("评价时间", null=True, blank=True, editable=False)

    objects = PublicInputQuerySet.as_manager()
    # Every change of state, with who and when; never the writer's name or phone (nor
    # the link's hash: nothing to learn there).
    history = HistoricalRecords(excluded_fields=["name", "phone", "tracking_hash"])

    class Meta:
        ordering = ["-received_at", "-pk"]
        indexes = [
            # The moderation queue: pending items, oldest first.
            models.Index(fields=["state", "received_at"], name="voice_queue_idx"),
            # A project's published items, newest first (the project page, the API).
            models.Index(fields=["project", "state", "-received_at"], name="voice_project_idx"),
        ]
        permissions = [
            ("moderate_publicinput", "可以审核群众留言和答复"),
            ("send_deputy_opinion", "可以以人大代表身份提出代表意见"),
            ("decide_objection", "可以认定对完成公示的异议成立或不成立"),
        ]
        verbose_name = "群众留言"
        verbose_name_plural = "群众留言"

    def __str__(self):
        # Never the writer's name: this is what the admin's log and messages show.
        return f"{self.get_kind_display()} #{self.pk}"

    def save(self, *args, **kwargs):
        if self._state.adding and self.code is None:
            self.issue_receipt()
        super().save(*args, **kwargs)

    def get_absolute_url(self):
        return f"{self.project.get_absolute_url()}#q{self.pk}" if self.project else ""

    def issue_receipt(self):
        """A new 受理编号 and tracking token; the token itself stays on this instance
        (`tracking_token`) for the confirmation page, and is never stored."""
        code = receipts.new_code()
        while PublicInput.objects.filter(code=code).exists():  # 1 in 10⁵ at a million items
            code = receipts.new_code()
        self.code = code
        self.tracking_token = receipts.new_token()
        self.tracking_hash = receipts.token_hash(self.tracking_token)

    @property
    def is_answered_kind(self):
        return self.kind in self.ANSWERED_KINDS

    @property
    def awaits_answer(self):
        """An answered kind, waiting or published, still without a public answer: what
        the tracking page counts the days for and takes an e-mail address for."""
        waiting = (self.State.PENDING, self.State.PUBLISHED)
        return self.is_answered_kind and self.state in waiting and self.public_answer() is None

    def judge_answer(self, helpful):
        """The writer's verdict on the public answer (有帮助 or not), once: one
        conditional update, so a second verdict changes nothing and says so."""
        claimed = PublicInput.objects.filter(
            pk=self.pk, helpful__isnull=True, answer__state=Answer.State.APPROVED
        ).update(helpful=helpful, helpful_at=clock.now())
        if not claimed:
            self.refresh_from_db(fields=["helpful"])
            if self.helpful is None:
                raise ValidationError(_("答复公开后才能评价。"))
            raise ValidationError(_("您已经评价过这个答复，评价不能更改。"))
        self.helpful, self.helpful_at = helpful, clock.now()

    def receipt_state(self):
        """(state, reason): where the item stands, in the writer's words (the tracking
        page)."""
        if self.state == self.State.PENDING:
            return _("待审核"), ""
        if self.state == self.State.BLOCKED:  # its note is the moderators' own
            return _("未公开"), ""
        if self.state == self.State.DECLINED:
            reason = self.get_decline_reason_display()
            return _("未公开"), "；".join(r for r in (reason, self.decision_note) if r)
        if self.state == self.State.MERGED:
            return _("已合并"), _("与内容相同的另一条合并，在那一条下公开答复。")
        outcome = {
            self.Outcome.UPHELD: _("异议成立"),
            self.Outcome.DISMISSED: _("异议不成立"),
            self.Outcome.ADOPTED: _("已列为候选项目"),
            self.Outcome.NOT_ADOPTED: _("未采纳"),
        }.get(self.outcome)
        if outcome:
            return outcome, self.outcome_note
        if self.public_answer() is not None:
            return _("已答复"), ""
        return _("已公开"), ""

    @property
    def photo_extension(self):
        return IMAGE_EXTENSIONS.get(self.photo_type, "")

    @property
    def received_on(self):
        return timezone.localdate(self.received_at)

    @property
    def outcome_on(self):
        return timezone.localdate(self.outcome_at) if self.outcome_at else None

    def answer_due(self, limits=None):
        """The last working day for a public answer, by the plan's rule on the day the
        item arrived. `limits`: the plan's `answer_limits()`, read once for many items."""
        limits = limits or answer_limits(self.plan)
        return workdays.add(self.received_on, limits(self.received_on))

    def public_answer(self):
        answer = getattr(self, "answer", None)
        return answer if answer is not None and answer.state == Answer.State.APPROVED else None

    def is_overdue(self, day, limits=None):
        """Published, still without a public answer on `day`, and past its due day."""
        if self.state != self.State.PUBLISHED or self.received_on > day:
            return False
        if self.kind not in self.ANSWERED_KINDS:
            return False
        answer = self.public_answer()
        answered = answer is not None and answer.approved_on <= day
        return not answered and day > self.answer_due(limits)

    def working_days_left(self, day, limits=None):
        """Working days from `day` to the answer's last day (negative: that many past
        it), for an answered kind still waiting for its public answer; else None."""
        if not self.awaits_answer:
            return None
        due = self.answer_due(limits)
        return workdays.between(day, due) if day <= due else -workdays.between(due, day)

    def clean(self):
        if self.project_id and self.plan_id and self.project.plan_id != self.plan_id:
            raise ValidationError({"project": "实事不属于该年度计划。"})
        if self.site_id and self.site.target.project_id != self.project_id:
            raise ValidationError({"site": "点位不属于该实事。"})
        if self.plan_id and not self.plan.is_published:
            raise ValidationError("该年度计划尚未公开，不能留言。")
        if self.plan_id:
            self.plan.check_takes_input("留言")

    # Moderation: each decision claims the item in the state it was read in, so two
    # moderators acting at once cannot both decide it.

    def _decide(self, user, from_states, to_state, **changes):
        changes = {"decided_by": user, "decided_at": clock.now(), **changes}
        self.transition(user, from_states, to_state, **changes)

    def publish(self, user):
        self._decide(user, [self.State.PENDING], self.State.PUBLISHED)

    def pass_on(self, user, plan):
        """A proposal sent to the wrong level, passed by its moderator to the one it
        belongs to (`plan`: that level's open call, `Plan.objects.calls_around`): it
        waits there, not yet moderated, for that level's moderators, who alone see it
        and its writer's contact from then on; its 受理编号 and receipt stay."""
        if self.kind != self.Kind.PROPOSAL:
            raise ValidationError("只有推荐项目可以转交另一级。")
        if plan is None or plan.pk == self.plan_id:
            raise ValidationError("请在“转交到”填写另一级正在征集的行政区划代码。")
        self.transition(user, [self.State.PENDING], self.State.PENDING, plan=plan)

    def merge(self, user, into, note=""):
        if into is None or into.pk == self.pk:
            raise ValidationError("请选择要合并到的另一条已公开留言。")
        if into.state != self.State.PUBLISHED or (into.plan_id, into.project_id, into.kind) != (
            self.plan_id,
            self.project_id,
            self.kind,
        ):
            raise ValidationError("只能合并到同一实事（或同一征集）下已公开的同类留言。")
        self._decide(
            user, [self.State.PENDING], self.State.MERGED, merged_into=into, decision_note=note
        )

    def decline(self, user, reason, note=""):
        if reason not in self.Reason.values:
            raise ValidationError("请选择不予公开的原因。")
        if reason == self.Reason.OTHER and not note.strip():
            raise ValidationError("原因为“其他”时，请写明处理说明。")
        self._decide(
            user,
            [self.State.PENDING],
            self.State.DECLINED,
            decline_reason=reason,
            decision_note=note.strip(),
        )

    def block(self, user, note=""):
        """Abuse: hidden, also after it was published (the page loses it at once)."""
        self._decide(
            user,
            [self.State.PENDING, self.State.PUBLISHED, self.State.MERGED],
            self.State.BLOCKED,
            decision_note=note.strip(),
        )

    # A published proposal's outcome in 遴选: each decided once, with its reason.

    def _settle(self, user, **changes):
        if self.plan.stage not in (Plan.Stage.CALL, Plan.Stage.SHORTLIST):
            raise ValidationError(
                f"遴选已经结束（该计划现在是“{self.plan.get_stage_display()}”阶段），"
                "推荐项目的结果不能再改变。"
            )
        unsettled = {"kind": self.Kind.PROPOSAL, "state": self.State.PUBLISHED, "outcome": ""}
        refused = "只有已公开、尚未处理的推荐项目可以列为候选或不予采纳。"
        self.claim(user, unsettled, refused, **changes)

    def adopt(self, user, candidate, note=""):
        if candidate is None or candidate.plan_id != self.plan_id:
            raise ValidationError("请选择同一年度计划的候选项目。")
        self._settle(
            user, outcome=self.Outcome.ADOPTED, candidate=candidate, outcome_note=note.strip()
        )

    def reject(self, user, note):
        if not note.strip():
            raise ValidationError("不予采纳时必须说明原因。")
        self._settle(user, outcome=self.Outcome.NOT_ADOPTED, outcome_note=note.strip())

    # An objection to a 公示, decided by the supervision office with its reason.

    def _decide_objection(self, user, outcome, note):
        if not note.strip():
            raise ValidationError("认定异议成立或不成立，都必须写明理由。")
        undecided, refused = self.UNDECIDED_OBJECTION, "只有已公开、尚未决定的异议可以认定。"
        changes = {"outcome_note": note.strip(), "outcome_at": clock.now(), "outcome_by": user}
        self.claim(user, undecided, refused, refresh=True, outcome=outcome, **changes)

    def uphold(self, user, note):
        """The objection stands: the project becomes 整改中 until a new figure is
        approved, which opens a new notice."""
        from projects.models.notice import Notice

        with transaction.atomic():
            notice = Notice.objects.select_for_update().get(pk=self.notice_id)
            self._decide_objection(user, self.Outcome.UPHELD, note)
            if notice.upheld_on is None:
                notice.upheld_on = clock.today()
                notice.upheld_by = user
                notice._history_user = user
                notice.save()

    def dismiss(self, user, note):
        self._decide_objection(user, self.Outcome.DISMISSED, note)

    def purge_contact(self):
        self.name = ""
        self.phone = ""
        self.contact_purged_at = clock.now()
        self.save(update_fields=["name", "phone", "contact_purged_at"])

    def shows_contact_to(self, user):
        """Whether `user` may see the writer's name and phone: a moderator, or a
        reporter of the department that answers the item (its project's lead
        department). Nobody else: a reviewer's decision on an objection needs none."""
        if not user.is_active:
            return False
        if user.has_perm("projects.moderate_publicinput"):
            return True
        return (
            user.has_perm("projects.add_answer")
            and self.project_id is not None
            and Department.objects.filter(led_projects=self.project_id, members=user).exists()
        )


class AnswerQuerySet(models.QuerySet):
    def public(self):
        return self.filter(state=Answer.State.APPROVED, question__in=PublicInput.objects.public())

    def visible_to(self, user):
        """Answers an official may open: all of their jurisdiction's for a moderator; a
        reporter's departments'."""
        if not user.is_active:
            return self.none()
        if user.has_perm("projects.moderate_publicinput"):
            return self.filter(in_served_jurisdiction("question__plan"))
        if user.has_perm("projects.add_answer"):
            return self.filter(department__members=user)
        return self.none()


class Answer(Reviewed, models.Model):
    """The lead department's answer to a published item, public once a moderator
    approves it; an approved answer is never edited."""

    WHAT = "答复"

    class State(models.TextChoices):
        SUBMITTED = "submitted", _("待审")
        APPROVED = "approved", _("已公开")
        RETURNED = "returned", _("已退回")

    EDITABLE_STATES = (State.SUBMITTED, State.RETURNED)

    question = models.OneToOneField(
        PublicInput, on_delete=models.PROTECT, related_name="answer", verbose_name="留言"
    )
    department = models.ForeignKey(
        Department, on_delete=models.PROTECT, related_name="answers", verbose_name="答复单位"
    )
    text = models.TextField("答复内容", max_length=ANSWER_MAX)
    state = models.CharField(
        "状态", max_length=20, choices=State, default=State.SUBMITTED, editable=False
    )
    written_by = official_field("起草人", blank=False)
    written_at = models.DateTimeField("提交时间", default=clock.now, editable=False)
    reviewed_by = official_field("审核人")
    approved_at = models.DateTimeField("公开时间", null=True, blank=True, editable=False)
    return_note = models.TextField("退回意见", blank=True, editable=False)

    objects = AnswerQuerySet.as_manager()
    history = HistoricalRecords()

    class Meta:
        ordering = ["-written_at", "-pk"]
        verbose_name = "留言答复"
        verbose_name_plural = "留言答复"

    def __str__(self):
        return f"对留言 #{self.question_id} 的答复"

    @property
    def approved_on(self):
        return timezone.localdate(self.approved_at) if self.approved_at else None

    @property
    def working_days(self):
        """Working days from the day the question arrived to the day the answer was
        made public."""
        return workdays.between(self.question.received_on, self.approved_on)

    def check_writer(self, user):
        """Only a member of the lead department answers, and only a published item."""
        question = self.question
        if question.state != PublicInput.State.PUBLISHED:
            raise ValidationError("只能答复已公开的留言。")
        lead = question.project.lead_department if question.project else None
        if lead is None or not lead.members.filter(pk=user.pk).exists():
            raise ValidationError("只有该实事的牵头单位可以答复这条留言。")

    def hands(self):
        """Whoever wrote or changed the answer's text at any point (its history): none
        of them may approve it. A moderator who only returned it is not among them."""
        return ({self.written_by_id} | hands_in_history(self, ["text"])) - {None}

    def _move(self, user, from_states, to_state, **changes):
        self.check_reviewer(user)
        self.transition(user, from_states, to_state, reviewed_by=user, **changes)

    def approve(self, user):
        if self.question.state != PublicInput.State.PUBLISHED:
            raise ValidationError("留言已不再公开，答复不能公开。")
        self._move(user, [self.State.SUBMITTED], self.State.APPROVED, approved_at=clock.now())

    def return_to_writer(self, user, note):
        if not note.strip():
            raise ValidationError("退回时必须说明原因。")
        self._move(user, [self.State.SUBMITTED], self.State.RETURNED, return_note=note.strip())


@dataclass
class AnswerStats:
    """A department's answers on a day: received, answered, overdue, mean working days."""

    questions: int = 0
    answered: int = 0
    overdue: int = 0
    days_total: int = 0

    @property
    def mean_days(self):
        if not self.answered:
            return None
        return (Decimal(self.days_total) / self.answered).quantize(Decimal("0.1"), ROUND_HALF_UP)


def answer_limits(plan):
    """day → the plan's answer time limit (working days) in force that day: one query,
    for as many items as need it."""
    value = plan.dated_rule(PlanRule.Name.ANSWER_WORKING_DAYS)
    return lambda day: int(value(day))


def with_answer_dues(items, day):
    """Set `due` (the answer's last working day) and `overdue` (on `day`) on each of
    `items`, reading each plan's rule once however many items it has."""
    limits = {}
    for item in items:
        if item.plan_id not in limits:
            limits[item.plan_id] = answer_limits(item.plan)
        item.due = item.answer_due(limits[item.plan_id])
        item.overdue = item.is_overdue(day, limits[item.plan_id])
    return items


def published_questions(plan, day):
    """The plan's published questions received by `day`, with their answers (one query)."""
    return (
        PublicInput.objects.public()
        .filter(plan=plan, state=PublicInput.State.PUBLISHED, received_at__lt=end_of(day))
        .filter(kind__in=PublicInput.ANSWERED_KINDS)
        .select_related("project__lead_department", "answer")
        .order_by("received_at", "pk")
    )


def answer_stats(plan, day):
    """{department id: AnswerStats} for the plan's published questions on `day`, by the
    department that leads each project (two queries)."""
    limits = answer_limits(plan)
    stats = {}
    for item in published_questions(plan, day).filter(project__isnull=False):
        item.plan = plan
        row = stats.setdefault(item.project.lead_department_id, AnswerStats())
        row.questions += 1
        answer = item.public_answer()
        if answer is not None and answer.approved_on <= day:
            row.answered += 1
            row.days_total += workdays.between(item.received_on, answer.approved_on)
        elif item.is_overdue(day, limits):
            row.overdue += 1
    return stats


def helpfulness(plan, day):
    """{department id: (helpful, not helpful)}: the writers' verdicts by `day` on the
    plan's public answers, by the department that answered (one query)."""
    voted = Q(question__helpful_at__lt=end_of(day))
    rows = (
        Answer.objects.public()
        .filter(question__plan=plan)
        .values("department")
        .annotate(
            helpful=Count("pk", filter=voted & Q(question__helpful=True)),
            unhelpful=Count("pk", filter=voted & Q(question__helpful=False)),
        )
    )
    return {row["department"]: (row["helpful"], row["unhelpful"]) for row in rows}


def overdue_questions(plan, day):
    """The plan's published questions without a public answer past their limit on
    `day`, oldest first (the 督查台账; two queries)."""
    limits = answer_limits(plan)
    overdue = []
    for item in published_questions(plan, day):
        item.plan = plan
        if item.is_overdue(day, limits):
            item.due = item.answer_due(limits)
            item.waited = workdays.between(item.received_on, day)
            overdue.append(item)
    return overdue


# A project page lists this many of its newest public items; the API has them all.
PAGE_QUESTIONS = 30


def project_questions(project, day, site=None):
    """The newest public items about `project` received by `day` (at most
    PAGE_QUESTIONS), each with `shown_answer` (its answer if public by `day`), `due` and
    `days` (working days the answer took); and whether there are more (two queries,
    however many there are). With `site`, only the items sent from that site."""
    items = PublicInput.objects.public()
    if site is not None:
        items = items.filter(site=site)
    items = (
        items.filter(project=project, received_at__lt=end_of(day))
        .exclude(kind=PublicInput.Kind.OBJECTION)  # shown with their 公示
        .select_related("answer__department", "site")
        .order_by("-received_at", "-pk")
    )
    shown = list(items[: PAGE_QUESTIONS + 1])
    more = len(shown) > PAGE_QUESTIONS
    shown = shown[:PAGE_QUESTIONS]
    limits = answer_limits(project.plan)
    for item in shown:
        item.plan = project.plan
        answer = item.public_answer()
        item.shown_answer = answer if answer and answer.approved_on <= day else None
        item.due = item.answer_due(limits)
        item.overdue = item.is_overdue(day, limits)
        if item.shown_answer:
            item.days = workdays.between(item.received_on, answer.approved_on)
    return shown, more


def open_objections(plan, day):
    """The plan's published objections to a 公示 still undecided on `day`, oldest first,
    each with `waited` (days since it arrived): the 督查台账's list (one query)."""
    found = (
        PublicInput.objects.public()
        .filter(plan=plan, kind=PublicInput.Kind.OBJECTION, received_at__lt=end_of(day))
        .exclude(outcome_at__lt=end_of(day))
        .select_related("project__lead_department", "notice")
        .order_by("received_at", "pk")
    )
    found = list(found)
    for item in found:
        item.waited = (day - item.received_on).days
    return found
