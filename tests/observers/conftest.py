import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from tests.factories import CoordinatorFactory, OrganisationFactory, RegionFactory


def photo(name="document.jpg", image_format="JPEG", size=(120, 80)):
    buffer = io.BytesIO()
    Image.new("RGB", size, (200, 30, 30)).save(buffer, image_format)
    return SimpleUploadedFile(name, buffer.getvalue(), content_type="image/jpeg")


@pytest.fixture
def region():
    return RegionFactory()


@pytest.fixture
def organisation(region):
    organisation = OrganisationFactory(invitation_code="JOIN-US")
    organisation.regions.add(region)
    return organisation


@pytest.fixture
def coordinator(organisation):
    return CoordinatorFactory(organisation=organisation)
