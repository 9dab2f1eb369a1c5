"""A small, balanced 5010 835 built in the tests, and helpers to edit it segment by segment."""

SEGMENTS = [
    # The ISA is fixed width: 106 characters with its terminator.
    "ISA*00*          *00*          *ZZ*SENDER         *ZZ*RECEIVER       "
    "*250301*1200*^*00501*000000101*0*P*:",
    "GS*HP*SENDER*RECEIVER*20250301*1200*101*X*005010X221A1",
    "ST*835*0001",
    "BPR*I*150*C*ACH*CCP*01*999999999*DA*123456*1512345678**01*999999999*DA*654321*20250305",
    "TRN*1*EFT12345*1512345678",
    "DTM*405*20250301",
    "N1*PR*NORIDIAN JF E PART B*XV*01112",
    "N3*PO BOX 6775",
    "N4*FARGO*ND*58108",
    "N1*PE*LAKESIDE KETAMINE CLINIC*XX*1234567893",
    "REF*TJ*123456789",
    "LX*1",
    "CLP*CLM001*1*300*150*50*MB*22500000000001",
    "NM1*QC*1*RIVERA*ANA*L***MI*1EG4TE5MK73",
    "MOA***MA01",
    "SVC*HC:G2083:KX*300*150**1",
    "DTM*472*20250210",
    "CAS*CO*45*100",
    "CAS*PR*2*50",
    "AMT*B6*200",
    "LQ*HE*N115",
    "SE*20*0001",
    "GE*1*101",
    "IEA*1*000000101",
]


def text(segments=SEGMENTS) -> str:
    return "~\n".join(segments) + "~\n"


def replace(old_start: str, new: str) -> list[str]:
    return [new if s.startswith(old_start) else s for s in SEGMENTS]
