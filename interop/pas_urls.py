"""Canonical URLs and code systems of the Da Vinci PAS IG (HL7/davinci-pas, input/fsh)."""

PAS = "http://hl7.org/fhir/us/davinci-pas/StructureDefinition/"
# Profile ids from the IG's FSH (Bundle.fsh, Claim.fsh, Patient.fsh, Coverage.fsh,
# Organization.fsh, Practitioner.fsh, and PASDocumentReference).
REQUEST_BUNDLE = PAS + "profile-pas-request-bundle"
CLAIM = PAS + "profile-claim"
BENEFICIARY = PAS + "profile-beneficiary"
SUBSCRIBER = PAS + "profile-subscriber"
COVERAGE = PAS + "profile-coverage"
INSURER = PAS + "profile-insurer"
REQUESTOR = PAS + "profile-requestor"
PRACTITIONER = PAS + "profile-practitioner"
DOCUMENT_REFERENCE = PAS + "profile-documentreference"
CERTIFICATION_TYPE = PAS + "extension-certificationType"
SERVICE_REQUEST_TYPE = PAS + "extension-serviceItemRequestType"
DIAGNOSIS_RECORDED = PAS + "extension-diagnosisRecordedDate"

SUPPORTING_INFO_TYPE = "http://hl7.org/fhir/us/davinci-pas/CodeSystem/PASSupportingInfoType"
DIAGNOSIS_TYPE = "http://hl7.org/fhir/us/davinci-pas/CodeSystem/PASDiagnosisType"

HCPCS = "http://www.cms.gov/Medicare/Coding/HCPCSReleaseCodeSets"
CPT = "http://www.ama-assn.org/go/cpt"
ICD10CM = "http://hl7.org/fhir/sid/icd-10-cm"
POS = "https://www.cms.gov/Medicare/Coding/place-of-service-codes/Place_of_Service_Code_Set"
NUBC_BILL_TYPE = "https://www.nubc.org/CodeSystem/TypeOfBill"
NPI = "http://hl7.org/fhir/sid/us-npi"
MBI = "http://hl7.org/fhir/sid/us-mbi"
TIN = "http://terminology.hl7.org/NamingSystem/USEIN"
X12 = "https://codesystem.x12.org/005010/"
CARIN_IDENTIFIER_TYPE = "http://hl7.org/fhir/us/carin-bb/CodeSystem/C4BBIdentifierType"
US_CORE_DOCUMENT_CATEGORY = (
    "http://hl7.org/fhir/us/core/CodeSystem/us-core-documentreference-category"
)

# Code systems each PAS value set admits (Terminology.fsh): X12278RequestedServiceType,
# X12278DiagnosisCodes, X12278LocationType.
SERVICE_SYSTEMS = frozenset(
    {
        "http://terminology.hl7.org/CodeSystem/data-absent-reason",
        "http://codesystem.x12.org/005010/1365",
        CPT,
        HCPCS,
        "http://terminology.hl7.org/CodeSystem/icd9cm",
        "http://www.cms.gov/Medicare/Coding/ICD10",
        "http://hl7.org/fhir/sid/ndc",
    }
)
DIAGNOSIS_SYSTEMS = frozenset(
    {
        "http://terminology.hl7.org/CodeSystem/icd9cm",
        ICD10CM,
        "https://www.cms.gov/Medicare/Medicare-Fee-for-Service-Payment/AcuteInpatientPPS/"
        "MS-DRG-Classifications-and-Software",
        "http://uri.hddaccess.com/cs/apdrg",
        "http://uri.hddaccess.com/cs/aprdrg",
    }
)
LOCATION_SYSTEMS = frozenset({NUBC_BILL_TYPE, POS})
