"""Unmanaged models over MotCua's own tables (backend/*/tables.py)."""

from django.db import models


class Agency(models.Model):
    code = models.CharField(max_length=20)
    name = models.CharField(max_length=200)
    kind = models.CharField(max_length=20)

    class Meta:
        managed = False
        db_table = "agency"


class Procedure(models.Model):
    catalog_id = models.CharField(max_length=40)
    national_code = models.CharField(max_length=40)
    name = models.TextField()
    agency = models.ForeignKey(Agency, models.DO_NOTHING, db_column="agency")
    processing_days = models.IntegerField()
    online_level = models.CharField(max_length=20)
    fee_vnd = models.IntegerField(null=True)
    active = models.BooleanField()
    search_text = models.TextField()

    class Meta:
        managed = False
        db_table = "procedure"


class Dossier(models.Model):
    code = models.CharField(max_length=40, unique=True, null=True)
    procedure = models.ForeignKey(Procedure, models.DO_NOTHING, db_column="procedure")
    status = models.SmallIntegerField()
    state = models.CharField(max_length=24)
    applicant_phone = models.CharField(max_length=15)
    submitted_at = models.DateTimeField(null=True)
    appointment_date = models.DateField(null=True)

    class Meta:
        managed = False
        db_table = "dossier"


class DossierEvent(models.Model):
    dossier = models.ForeignKey(Dossier, models.DO_NOTHING, db_column="dossier")
    at = models.DateTimeField()
    action = models.CharField(max_length=40)
    from_status = models.SmallIntegerField(null=True)
    to_status = models.SmallIntegerField()
    seq = models.IntegerField(null=True)

    class Meta:
        managed = False
        db_table = "dossier_event"
