"""The review base: an entry officials type and a reviewer approves, the hands that
touched it (nobody reviews their own hand)."""

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models, transaction
from django.utils.translation import gettext_lazy as _

from projects.rules import clock


def hands_in_history(obj, fields):
    """Whoever, in `obj`'s history, saved a change to any of `fields` (what it says):
    none of them may approve it."""
    hands, previous = set(), None
    records = obj.history.order_by("history_date", "history_id")
    for record in records.values("history_user_id", *fields):
        entry = tuple(record[name] for name in fields)
        if entry != previous:
            hands.add(record["history_user_id"])
        previous = entry
    return hands - {None}


def official_field(verbose_name, blank=True):
    """Who among the officials did something to a row: kept with it, never edited."""
    return models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=blank,
        editable=False,
        related_name="+",
        verbose_name=verbose_name,
    )


class Reviewed:
    """The review machine every reviewed thing shares (reports, answers, site stages,
    practical matters, the public's items and objections, 督办): one way to move from
    state to state, and one rule on whose hand may not review. `WHAT` names the thing
    in messages; each kind says whose hands touched it (`hands`)."""

    WHAT = "记录"

    def claim(self, user, where, refused, refresh=False, **changes):
        """Write `changes` if the row still matches `where`, in one conditional UPDATE:
        of two people acting at once, one does and the other is told `refused` (a
        callable reads the row as it is now). The history records `user`. `refresh`:
        read the row again before that record, for a thing others may change while it
        waits (an entry its reporter edits, an objection whose contact is purged), so
        that the record keeps their change."""
        with transaction.atomic():
            claimed = type(self)._base_manager.filter(pk=self.pk, **where).update(**changes)
            if not claimed:
                raise ValidationError(refused() if callable(refused) else refused)
            if refresh:
                self.refresh_from_db()
            else:
                for name, value in changes.items():
                    setattr(self, name, value)
            self._history_user = user  # who, even when no request is at hand (commands)
            self.save()

    def transition(self, user, from_states, to_state, refresh=False, **changes):
        """Move from one of `from_states` to `to_state` with `changes` (`claim`)."""

        def refused():
            self.refresh_from_db(fields=["state"])
            return f"该{self.WHAT}当前为“{self.get_state_display()}”，不能进行此操作。"

        where = {"state__in": from_states}
        self.claim(user, where, refused, refresh, state=to_state, **changes)

    def hands(self):
        """Whoever entered, wrote or changed what it says: none of them may review it."""
        raise NotImplementedError

    def check_reviewer(self, user):
        # Who may review at all is a permission (the admin's action); here, that nobody
        # reviews what their own hand entered, wrote, changed, submitted or gave
        # evidence for, whatever roles they hold.
        if user.pk in self.hands():
            raise ValidationError(f"不能审核自己经手过的{self.WHAT}。")


class ReviewedEntry(Reviewed, models.Model):
    """An entry officials type and a reviewer approves, as a figure (a site's stage
    change, a practical matter): its state, who entered and who reviewed it, when. Each
    review step claims the row in the state it was read in (two reviewers cannot both
    act), and nobody reviews what their own hand entered or changed (`ENTRY_FIELDS` in
    its history). `WHAT` names it in messages."""

    class State(models.TextChoices):
        SUBMITTED = "submitted", _("待审核")
        APPROVED = "approved", _("已审核")
        RETURNED = "returned", _("已退回")

    EDITABLE_STATES = (State.SUBMITTED, State.RETURNED)
    ENTRY_FIELDS = ()
    WHAT = "填报"

    state = models.CharField(
        "状态", max_length=20, choices=State, default=State.SUBMITTED, editable=False
    )
    created_by = official_field("填报人")
    created_at = models.DateTimeField("填报时间", default=clock.now, editable=False)
    reviewed_by = official_field("审核人")
    reviewed_at = models.DateTimeField("审核时间", null=True, blank=True, editable=False)
    review_note = models.TextField("退回原因", blank=True, editable=False)

    class Meta:
        abstract = True

    def hands(self):
        """Whoever entered or changed what the entry says (its history)."""
        return ({self.created_by_id} | hands_in_history(self, self.ENTRY_FIELDS)) - {None}

    def reviewed(self, user, to_state, **changes):
        """The review step itself, once the caller has checked the reviewer."""
        now = clock.now()
        submitted = [self.State.SUBMITTED]
        self.transition(
            user, submitted, to_state, refresh=True, reviewed_by=user, reviewed_at=now, **changes
        )

    def return_to_reporter(self, user, reason):
        if not reason.strip():
            raise ValidationError("退回时必须说明原因。")
        self.check_reviewer(user)
        self.reviewed(user, self.State.RETURNED, review_note=reason.strip())
