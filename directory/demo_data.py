"""A deterministic, realistic synthetic directory for demos, load tests and search benchmarks.

Why: a directory of "John Smith 1..100000" hides every hard problem the real one has. Real UK public-sector
leaders are called Áine Ní Bhriain, Seán O'Brien (sometimes typed with a curly O’Brien), Dafydd ap Llŷr,
Eòghann MacDhòmhnaill and Priya Patel-Hughes; they work at "Guy's and St Thomas' NHS Foundation Trust" or
"HM Courts & Tribunals Service"; and searchers misspell them (Siobhan, Menzies, Cholmondeley). This module
produces that mix, with organisations, regions, roles and expertise that belong together, so a demo looks
credible and a benchmark exercises accent folding, apostrophes, hyphens and typo tolerance at realistic
scale - without a single real person's details (phone numbers come from Ofcom's drama ranges).

Rows have the CSV import shape (`CSV_COLUMNS`, every value a str, expertise ';'-separated) and are
generated lazily. The same (count, seed) always gives the same rows, because all randomness comes from one
`random.Random(seed)`. The only state kept between rows is a counter per distinct name@domain, which is
what keeps 200,000 emails unique (john.smith@nhs.net, john.smith2@nhs.net, ...).
"""

from __future__ import annotations

import random
import uuid
from bisect import bisect
from collections.abc import Iterable, Iterator
from functools import cache
from typing import TYPE_CHECKING, Generic, NamedTuple, TypeVar

from directory.textfold import fold

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

CSV_COLUMNS: tuple[str, ...] = ("email", "full_name", "role", "organisation", "sector", "region", "expertise",
                                "bio", "phone", "cohort", "slack_user_id", "teams_user_id")

T = TypeVar("T")


class _Picker(Generic[T]):
    """Weighted choice by one `rng.random()` and a bisect: several times faster than `rng.choices`."""

    __slots__ = ("cumulative", "items", "total")

    def __init__(self, weighted: Iterable[tuple[T, float]]) -> None:
        self.items: list[T] = []
        self.cumulative: list[float] = []
        total = 0.0
        for item, weight in weighted:
            if weight > 0:
                total += weight
                self.items.append(item)
                self.cumulative.append(total)
        self.total = total

    def __call__(self, rng: random.Random) -> T:
        return self.items[min(bisect(self.cumulative, rng.random() * self.total), len(self.items) - 1)]


# --------------------------------------------------------------------------------------------- regions

NE, NW, YH = "North East", "North West", "Yorkshire and the Humber"
EM, WM, EE = "East Midlands", "West Midlands", "East of England"
LDN, SE, SW = "London", "South East", "South West"
SCO, WAL, NI, NAT = "Scotland", "Wales", "Northern Ireland", "National"

_REGION_PHRASE = {NE: "the North East", NW: "the North West", YH: "Yorkshire and the Humber",
                  EM: "the East Midlands", WM: "the West Midlands", EE: "the East of England",
                  LDN: "London", SE: "the South East", SW: "the South West", SCO: "Scotland", WAL: "Wales",
                  NI: "Northern Ireland", NAT: "the UK"}

# ------------------------------------------------------------------------------------------------ names


class _NameGroup(NamedTuple):
    female: tuple[str, ...]
    male: tuple[str, ...]
    surnames: tuple[str, ...]
    gaelic: tuple[tuple[str, str], ...] = ()  # (male form, female form): Ó Briain / Ní Bhriain
    gaelic_rate: float = 0.0


def _names(text: str) -> tuple[str, ...]:
    """Split a comma-separated list, dropping blanks and repeats (order kept, so output is stable)."""
    return tuple(dict.fromkeys(n.strip() for n in text.split(",") if n.strip()))


NAME_GROUPS: dict[str, _NameGroup] = {
    "english": _NameGroup(
        _names("Sarah, Emma, Claire, Helen, Rachel, Joanne, Nicola, Louise, Catherine, Katherine,"
               "Elizabeth, Victoria, Charlotte, Rebecca, Hannah, Laura, Amanda, Alison, Jane, Susan,"
               "Karen, Julie, Deborah, Gillian, Lucy, Sophie, Anna, Jennifer, Michelle, Kate, Philippa,"
               "Harriet, Eleanor, Frances, Ruth, Zoë, Chloë, Naomi, Abigail, Georgina, Jessica, Amelia,"
               "Olivia, Isabel, Lydia, Melanie, Tracey, Samantha, Beverley, Hayley, Stephanie, Rosalind,"
               "Imogen, Bethany, Jacqueline, Natalie, Caroline, Margaret, Patricia, Lesley, Wendy, Dawn,"
               "Linda, Janet, Elaine, Angela, Sally, Renée"),
        _names("James, John, David, Michael, Paul, Mark, Andrew, Richard, Robert, Peter, Stephen,"
               "Steven, Simon, Christopher, Matthew, Daniel, Thomas, William, Jonathan, Nicholas,"
               "Timothy, Benjamin, Edward, Alexander, Oliver, Henry, George, Charles, Philip, Anthony,"
               "Martin, Graham, Ian, Neil, Gary, Kevin, Adrian, Stuart, Russell, Julian, Rupert, Giles,"
               "Jeremy, Nigel, Roger, Alan, Keith, Colin, Trevor, Lee, Darren, Jason, Luke, Samuel,"
               "Joseph, Harry, Jack, Tom, Ben, Dominic, Sebastian, Hugo, Toby, Marcus, Noël, Rhys, Jamie"),
        _names("Smith, Jones, Taylor, Brown, Williams, Wilson, Johnson, Davies, Robinson, Wright,"
               "Thompson, Evans, Walker, White, Roberts, Green, Hall, Wood, Jackson, Clarke, Harris,"
               "Lewis, Baker, Hughes, Edwards, Turner, Hill, Moore, Cooper, Ward, Morris, King, Watson,"
               "Harrison, Morgan, Allen, Young, Mitchell, Bennett, Carter, Shaw, Cook, Richardson,"
               "Bailey, Collins, Parker, Chapman, Webb, Marshall, Ellis, Knight, Fletcher, Butler,"
               "Barnes, Holmes, Fisher, Hunt, Mason, Palmer, Russell, Pearson, Stevens, Atkinson, Fox,"
               "Spencer, Gibson, Hayes, Lawrence, Dixon, Ashworth, Whitfield, Pemberton, Hargreaves,"
               "Sutcliffe, Ramsbottom, Featherstone, Fairbrother, Cholmondeley, Beauchamp, Le Mesurier,"
               "Lockwood, Greenwood, Openshaw, Bracewell, Thwaite, Atherton, Brooke, Kendall, Saxby,"
               "Bellamy, Ormerod, Haworth, Whittaker, Pickering, St John, Rowntree, Lovelock, Gooding,"
               "Hepworth, Entwistle")),
    "welsh": _NameGroup(
        _names("Ffion, Cerys, Carys, Angharad, Bethan, Eleri, Gwenllian, Nia, Rhiannon, Siân, Seren,"
               "Catrin, Lowri, Manon, Mererid, Gwawr, Heledd, Llinos, Elin, Megan, Non, Tegwen, Rhian,"
               "Eluned, Mair, Awen, Gwyneth, Nerys, Delyth, Ceri, Branwen, Morfudd"),
        _names("Dafydd, Gruffydd, Rhys, Owain, Gareth, Huw, Iolo, Emyr, Geraint, Gwilym, Ieuan, Llŷr,"
               "Aled, Bryn, Cai, Deiniol, Dylan, Elis, Gethin, Hywel, Iwan, Meirion, Osian, Rhodri,"
               "Siôn, Tomos, Wyn, Idris, Cynan, Emrys, Aneurin, Bedwyr"),
        _names("Jones, Williams, Davies, Evans, Thomas, Roberts, Hughes, Lewis, Morgan, Griffiths,"
               "Price, Pritchard, Parry, Bowen, Powell, Vaughan, Llewellyn, Rees, Howells, Jenkins,"
               "Prosser, Pugh, Gruffydd, Owen, Lloyd, Meredith, ap Llŷr, ap Dafydd, ap Rhys,"
               "ab Iorwerth, Glyn, Wyn, Tudur, Cadwaladr, Prydderch, Rhydderch, Ifans, Llwyd, Bevan,"
               "Probert, Gwynne, Ellis, Prys, Ffransis")),
    "scottish": _NameGroup(
        _names("Catrìona, Mhairi, Ishbel, Morag, Kirsty, Eilidh, Iona, Isla, Ailsa, Seonaid, Shona,"
               "Fiona, Elspeth, Kirsteen, Marsaili, Ealasaid, Ciorstaidh, Sìne, Alison, Heather, Lorna,"
               "Moira, Rhona, Jean, Agnes, Greer, Kenna, Catriona, Mòrag"),
        _names("Eòghann, Iain, Ruaridh, Calum, Hamish, Alasdair, Angus, Fraser, Euan, Fergus, Gregor,"
               "Murdo, Lachlan, Niall, Ross, Torquil, Struan, Dougal, Archie, Finlay, Ewan, Kenneth,"
               "Alistair, Craig, Grant, Malcolm, Seumas, Tormod, Dòmhnall, Ruairidh"),
        _names("MacDonald, Macleod, Campbell, Stewart, Robertson, Murray, MacKenzie, Fraser, Sinclair,"
               "Buchanan, Cameron, Ross, Paterson, Henderson, Ferguson, Grant, McIntyre, McGregor,"
               "Drummond, Gillies, Munro, Urquhart, Kerr, Menzies, Dalziel, Farquharson, Lamont, Baird,"
               "Crawford, Wallace, Morrison, Forbes, Thomson, Anderson, Scott, Reid, Hamilton, Gunn,"
               "Sutherland, Mackay, Caimbeul, Moireasdan, Dunbar, Galbraith"),
        (("MacDhòmhnaill", "NicDhòmhnaill"), ("MacLeòid", "NicLeòid"), ("MacAoidh", "NicAoidh"),
         ("Mac an t-Saoir", "Nic an t-Saoir"), ("MacCoinnich", "NicCoinnich"),
         ("MacGriogair", "NicGriogair")),
        0.12),
    "irish": _NameGroup(
        _names("Áine, Siobhán, Niamh, Aoife, Caoimhe, Saoirse, Róisín, Orla, Sinéad, Clodagh, Gráinne,"
               "Aisling, Bríd, Máire, Nuala, Eimear, Deirdre, Fionnuala, Méabh, Ciara, Órlaith, Síle,"
               "Úna, Aoibheann, Muireann, Sorcha, Emer, Treasa, Bláthnaid, Dearbhla, Siobhan, Roisin"),
        _names("Seán, Ciarán, Pádraig, Eoin, Cian, Oisín, Darragh, Diarmuid, Tadhg, Colm, Dónal,"
               "Fearghal, Ruairí, Cathal, Séamus, Liam, Declan, Conor, Brendan, Kieran, Niall, Rónán,"
               "Éamonn, Lorcan, Cormac, Fionn, Senan, Dara, Aodhán, Enda, Sean, Ciaran"),
        _names("O'Brien, O'Neill, O'Connor, O'Sullivan, O'Reilly, O'Donnell, O'Hara, O'Rourke, O'Mahony,"
               "O'Callaghan, Murphy, Kelly, Byrne, Ryan, Walsh, McCarthy, Doyle, Gallagher, Doherty,"
               "Quinn, McLaughlin, Kavanagh, Fitzgerald, Brennan, Nolan, Flanagan, Moloney, Devlin,"
               "McGuinness, McAleese, Mallon, Hume, Magee, Maguire, McKeown, Hegarty, Cassidy, Boyle,"
               "Breslin, Farrelly, O'Dwyer, Ó Murchú"),
        (("Ó Súilleabháin", "Ní Shúilleabháin"), ("Ó Briain", "Ní Bhriain"), ("Ó Néill", "Ní Néill"),
         ("Ó Conchúir", "Ní Chonchúir"), ("Ó Raghallaigh", "Ní Raghallaigh"), ("Ó Dónaill", "Ní Dhónaill"),
         ("Mac Cárthaigh", "Nic Cárthaigh"), ("Mac Gearailt", "Nic Gearailt"),
         ("Ó Ceallaigh", "Ní Cheallaigh"),
         ("Mac Aodha", "Nic Aodha"), ("Ó Gallchobhair", "Ní Ghallchobhair"),
         ("Ó Dochartaigh", "Ní Dhochartaigh"), ("Mac Giolla Phádraig", "Nic Giolla Phádraig")),
        0.25),
    "northern-irish": _NameGroup(
        _names("Arlene, Naomi, Jolene, Gemma, Roberta, Heather, Claire, Gillian, Paula, Sharon,"
               "Lorraine, Emma, Karen, Michelle, Grainne, Bronagh, Clare, Orlagh, Rosemary, Hazel"),
        _names("Sammy, Gerry, Mervyn, Trevor, Wesley, Clive, Ivan, Jim, Ricky, Colin, Gavin, Stephen,"
               "Alan, Raymond, Gregory, Cahal, Paddy, Darren, Jonny, Ciaran"),
        _names("Adair, Montgomery, Beattie, Irvine, McCausland, McClure, Graham, Johnston, Foster,"
               "Dodds, Hanna, Hamill, Magennis, McCrea, McIlroy, McDowell, Patterson, Boyd, Armstrong,"
               "Moorhead, Crothers, Eakin, Gilmore, Lyttle, McFarland, Kernaghan, McAllister,"
               "Mulholland, O'Kane, McGlinchey")),
    "south-asian": _NameGroup(
        _names("Priya, Anjali, Sunita, Nisha, Aisha, Fatima, Ayesha, Sana, Zainab, Shabana, Rukhsana,"
               "Nazia, Farah, Meera, Kavita, Deepa, Pooja, Harpreet, Manpreet, Gurpreet, Jaspreet,"
               "Simran, Amrita, Parveen, Nasreen, Shazia, Rani, Leela, Shreya, Tahmina, Nusrat, Anika"),
        _names("Mohammed, Muhammad, Ahmed, Imran, Rajesh, Sanjay, Amit, Arjun, Vikram, Rahul, Ravi,"
               "Sunil, Kamran, Tariq, Asif, Hassan, Bilal, Zubair, Faisal, Jaswinder, Harjit, Sukhdev,"
               "Gurdeep, Kuldip, Anil, Nikhil, Abdul, Rizwan, Shahid, Ashok, Rishi, Sajid"),
        _names("Patel, Khan, Shah, Singh, Kaur, Ahmed, Hussain, Ali, Akhtar, Iqbal, Chaudhry, Malik,"
               "Rahman, Begum, Uddin, Sharma, Gupta, Mistry, Desai, Joshi, Mehta, Kumar, Sandhu, Gill,"
               "Dhillon, Bains, Choudhury, Siddiqui, Qureshi, Bhatti, Islam, Hossain, Sidhu, Chauhan,"
               "Pillai, Nair, Fernandes, D'Souza, D'Silva, Rao, Varma")),
    "african-caribbean": _NameGroup(
        _names("Oluwaseun, Adaeze, Chiamaka, Ngozi, Funmilayo, Yetunde, Folake, Abena, Akosua, Ama,"
               "Efua, Nkechi, Amara, Zawadi, Wanjiru, Ifeoma, Temitope, Bukola, Marcia, Yvonne,"
               "Claudette, Sharon, Paulette, Simone, Shanice, Chantelle, Aaliyah, Hodan, Fadumo"),
        _names("Oluwaseun, Adebayo, Babatunde, Chinedu, Emeka, Kwame, Kofi, Kwesi, Yaw, Obinna, Tunde,"
               "Femi, Olumide, Chukwuemeka, Ikenna, Segun, Tendai, Tinashe, Delroy, Winston, Desmond,"
               "Leroy, Clive, Errol, Marlon, Tyrone, Dwayne, Jermaine, Kojo, Abdi"),
        _names("Adeyemi, Okafor, Okonkwo, Adebayo, Oyelaran, Mensah, Asante, Boateng, Owusu, Osei,"
               "Appiah, Nwosu, Eze, Obi, Abiodun, Adewale, Ogunleye, Achebe, Mwangi, Kamau, Moyo,"
               "Ndlovu, Campbell, Francis, Grant, Brown, Thomas, Bailey, Henry, Clarke, Johnson,"
               "Samuels, Forde, Bryan, Murray, Mohamed, Warsame, Abdullahi, Oyèlárán, Adébáyọ̀")),
    "east-asian": _NameGroup(
        _names("Wei, Jing, Mei, Xiaoyan, Hui, Yan, Thao, Linh, Yuki, Ji-woo, Seo-yeon, Hana, Lian, Mai,"
               "Su-jin, Qing, Ying"),
        _names("Wei, Jun, Hao, Xiaoming, Minh, Hiroshi, Min-jun, Kenji, Tuan, Jian, Chen, Zhi, Hyun-woo,"
               "Bao, Kai, Long"),
        _names("Chen, Wang, Li, Zhang, Liu, Wong, Chan, Lee, Tan, Ng, Nguyen, Tran, Pham, Kim, Park,"
               "Tanaka, Sato, Yeung, Cheung, Lau")),
    "european": _NameGroup(
        _names("Agnieszka, Małgorzata, Katarzyna, Ioana, Andreea, Chloé, Giulia, Eleni, Ayşe, Zeynep,"
               "Rūta, Ingrid, Sofía, Inês, Björk, Hélène, Ana, Marta"),
        _names("Piotr, Krzysztof, Tomasz, Łukasz, Zoltán, Mihai, Søren, François, José, João, Marco,"
               "Björn, Dimitris, Yiannis, Kostas, Mehmet, Emre, Jürgen, Andrés"),
        _names("Nowak, Wójcik, Kowalczyk, Popescu, Ionescu, Papadopoulos, Georgiou, Constantinou,"
               "Yılmaz, Demir, Öztürk, Rossi, Ferrari, Costa, Silva, Pereira, Müller, Schmidt, Dubois,"
               "Lefèvre, Ødegaard, Novák, Horváth, García, Fernández, Núñez, Kazlauskas")),
}

# How likely each heritage is among leaders working in a place (all groups everywhere, in proportion).
_GROUP_WEIGHTS: dict[str, dict[str, float]] = {
    "England": {"english": 52, "scottish": 5, "welsh": 4, "irish": 6, "northern-irish": 1,
                "south-asian": 14, "african-caribbean": 9, "east-asian": 4, "european": 5},
    LDN: {"english": 35, "scottish": 3, "welsh": 2, "irish": 6, "northern-irish": 1,
          "south-asian": 20, "african-caribbean": 17, "east-asian": 7, "european": 9},
    SCO: {"english": 22, "scottish": 55, "welsh": 1, "irish": 6, "northern-irish": 1,
          "south-asian": 6, "african-caribbean": 3, "east-asian": 2, "european": 5},
    WAL: {"english": 28, "scottish": 3, "welsh": 55, "irish": 3, "northern-irish": 0.5,
          "south-asian": 5, "african-caribbean": 3, "east-asian": 2, "european": 3},
    NI: {"english": 10, "scottish": 4, "welsh": 0.5, "irish": 42, "northern-irish": 35,
         "south-asian": 2, "african-caribbean": 1, "east-asian": 2, "european": 4},
}
_GROUP_PICKERS = {place: _Picker(weights.items()) for place, weights in _GROUP_WEIGHTS.items()}
_HYPHEN_SURNAMES = NAME_GROUPS["english"].surnames + NAME_GROUPS["welsh"].surnames[:20]


def _name_place(region: str) -> str:
    return region if region in (LDN, SCO, WAL, NI) else "England"


# ---------------------------------------------------------------------------------------- organisations


class Organisation(NamedTuple):
    name: str
    region: str
    domain: str
    family: str  # which role list and expertise leanings apply; see _FAMILY_SECTOR
    weight: float = 1.0  # relative headcount of senior leaders

    @property
    def sector(self) -> str:
        """The canonical sector key (directory/sectors.py) this organisation is filed under."""
        return _FAMILY_SECTOR[self.family]


_FAMILY_SECTOR: dict[str, str] = {
    "central": "central-government", "health": "health", "police": "policing", "council": "local-government",
    "devolved": "devolved-government", "fire": "fire-and-rescue", "university": "education",
    "school": "education", "prisons": "justice", "courts": "justice", "prosecution": "justice",
    "defence": "defence", "army": "defence", "navy": "defence", "raf": "defence",
    "agency": "arms-length-body", "regulator": "arms-length-body",
}

_O = Organisation
ORGANISATIONS: tuple[Organisation, ...] = (
    # Central government
    _O("Cabinet Office", NAT, "cabinetoffice.gov.uk", "central", 2),
    _O("HM Treasury", NAT, "hmtreasury.gov.uk", "central"),
    _O("Home Office", NAT, "homeoffice.gov.uk", "central", 2),
    _O("Department for Education", NAT, "education.gov.uk", "central", 2),
    _O("Department of Health and Social Care", NAT, "dhsc.gov.uk", "central", 1.5),
    _O("Department for Work and Pensions", NAT, "dwp.gov.uk", "central", 3),
    _O("Ministry of Justice", NAT, "justice.gov.uk", "central", 2),
    _O("Ministry of Housing, Communities and Local Government", NAT, "communities.gov.uk", "central"),
    _O("Department for Transport", NAT, "dft.gov.uk", "central"),
    _O("Department for Environment, Food and Rural Affairs", NAT, "defra.gov.uk", "central", 1.5),
    _O("Department for Business and Trade", NAT, "businessandtrade.gov.uk", "central"),
    _O("Department for Science, Innovation and Technology", NAT, "dsit.gov.uk", "central"),
    _O("Department for Energy Security and Net Zero", NAT, "energysecurity.gov.uk", "central"),
    _O("Foreign, Commonwealth and Development Office", NAT, "fcdo.gov.uk", "central", 2),
    _O("Department for Culture, Media and Sport", NAT, "dcms.gov.uk", "central"),
    _O("HM Revenue and Customs", NAT, "hmrc.gov.uk", "central", 3),
    _O("Government Digital Service", NAT, "digital.cabinet-office.gov.uk", "central"),
    _O("Government Legal Department", NAT, "governmentlegal.gov.uk", "central"),
    _O("Attorney General's Office", NAT, "attorneygeneral.gov.uk", "central", 0.5),
    _O("Scotland Office", SCO, "ukgovscotland.gov.uk", "central", 0.5),
    _O("Wales Office", WAL, "ukgovwales.gov.uk", "central", 0.5),
    _O("Northern Ireland Office", NI, "nio.gov.uk", "central", 0.5),
    # Health - England
    _O("NHS England", NAT, "nhs.net", "health", 3),
    _O("NHS Blood and Transplant", NAT, "nhsbt.nhs.uk", "health"),
    _O("NHS Business Services Authority", NE, "nhsbsa.nhs.uk", "health"),
    _O("Leeds Teaching Hospitals NHS Trust", YH, "nhs.net", "health"),
    _O("Manchester University NHS Foundation Trust", NW, "nhs.net", "health"),
    _O("Guy's and St Thomas' NHS Foundation Trust", LDN, "nhs.net", "health"),
    _O("Barts Health NHS Trust", LDN, "nhs.net", "health"),
    _O("Imperial College Healthcare NHS Trust", LDN, "nhs.net", "health"),
    _O("King's College Hospital NHS Foundation Trust", LDN, "nhs.net", "health"),
    _O("Great Ormond Street Hospital for Children NHS Foundation Trust", LDN, "nhs.net", "health"),
    _O("South London and Maudsley NHS Foundation Trust", LDN, "nhs.net", "health"),
    _O("University Hospitals Birmingham NHS Foundation Trust", WM, "nhs.net", "health"),
    _O("Birmingham and Solihull Mental Health NHS Foundation Trust", WM, "nhs.net", "health"),
    _O("The Newcastle upon Tyne Hospitals NHS Foundation Trust", NE, "nhs.net", "health"),
    _O("Tees, Esk and Wear Valleys NHS Foundation Trust", NE, "nhs.net", "health"),
    _O("Sheffield Teaching Hospitals NHS Foundation Trust", YH, "nhs.net", "health"),
    _O("Mid Yorkshire Teaching NHS Trust", YH, "nhs.net", "health"),
    _O("Nottingham University Hospitals NHS Trust", EM, "nhs.net", "health"),
    _O("University Hospitals of Leicester NHS Trust", EM, "nhs.net", "health"),
    _O("Lincolnshire Partnership NHS Foundation Trust", EM, "nhs.net", "health"),
    _O("Cambridge University Hospitals NHS Foundation Trust", EE, "nhs.net", "health"),
    _O("Norfolk and Norwich University Hospitals NHS Foundation Trust", EE, "nhs.net", "health"),
    _O("Oxford University Hospitals NHS Foundation Trust", SE, "nhs.net", "health"),
    _O("University Hospital Southampton NHS Foundation Trust", SE, "nhs.net", "health"),
    _O("East Kent Hospitals University NHS Foundation Trust", SE, "nhs.net", "health"),
    _O("Royal Devon University Healthcare NHS Foundation Trust", SW, "nhs.net", "health"),
    _O("North Bristol NHS Trust", SW, "nhs.net", "health"),
    _O("Royal Cornwall Hospitals NHS Trust", SW, "nhs.net", "health"),
    _O("Liverpool University Hospitals NHS Foundation Trust", NW, "nhs.net", "health"),
    _O("Alder Hey Children's NHS Foundation Trust", NW, "nhs.net", "health"),
    _O("Pennine Care NHS Foundation Trust", NW, "nhs.net", "health"),
    _O("London Ambulance Service NHS Trust", LDN, "nhs.net", "health"),
    _O("North West Ambulance Service NHS Trust", NW, "nhs.net", "health"),
    _O("Yorkshire Ambulance Service NHS Trust", YH, "nhs.net", "health"),
    _O("South Western Ambulance Service NHS Foundation Trust", SW, "nhs.net", "health"),
    _O("West Midlands Ambulance Service University NHS Foundation Trust", WM, "nhs.net", "health"),
    _O("NHS Greater Manchester Integrated Care Board", NW, "nhs.net", "health"),
    _O("NHS Cheshire and Merseyside Integrated Care Board", NW, "nhs.net", "health"),
    _O("NHS West Yorkshire Integrated Care Board", YH, "nhs.net", "health"),
    _O("NHS North East and North Cumbria Integrated Care Board", NE, "nhs.net", "health"),
    _O("NHS Birmingham and Solihull Integrated Care Board", WM, "nhs.net", "health"),
    _O("NHS North Central London Integrated Care Board", LDN, "nhs.net", "health"),
    _O("NHS South East London Integrated Care Board", LDN, "nhs.net", "health"),
    _O("NHS Kent and Medway Integrated Care Board", SE, "nhs.net", "health"),
    _O("NHS Cornwall and the Isles of Scilly Integrated Care Board", SW, "nhs.net", "health"),
    _O("NHS Bristol, North Somerset and South Gloucestershire Integrated Care Board", SW, "nhs.net",
       "health"),
    _O("NHS Nottingham and Nottinghamshire Integrated Care Board", EM, "nhs.net", "health"),
    _O("NHS Cambridgeshire and Peterborough Integrated Care Board", EE, "nhs.net", "health"),
    # Health - Scotland, Wales, Northern Ireland
    _O("NHS Greater Glasgow and Clyde", SCO, "nhs.scot", "health", 2),
    _O("NHS Lothian", SCO, "nhs.scot", "health", 1.5),
    _O("NHS Highland", SCO, "nhs.scot", "health"),
    _O("NHS Grampian", SCO, "nhs.scot", "health"),
    _O("NHS Tayside", SCO, "nhs.scot", "health"),
    _O("NHS Ayrshire and Arran", SCO, "nhs.scot", "health"),
    _O("NHS Western Isles", SCO, "nhs.scot", "health", 0.5),
    _O("NHS 24", SCO, "nhs.scot", "health", 0.5),
    _O("Scottish Ambulance Service", SCO, "nhs.scot", "health"),
    _O("Public Health Scotland", SCO, "phs.scot", "health"),
    _O("Betsi Cadwaladr University Health Board", WAL, "wales.nhs.uk", "health"),
    _O("Cardiff and Vale University Health Board", WAL, "wales.nhs.uk", "health"),
    _O("Swansea Bay University Health Board", WAL, "wales.nhs.uk", "health"),
    _O("Aneurin Bevan University Health Board", WAL, "wales.nhs.uk", "health"),
    _O("Hywel Dda University Health Board", WAL, "wales.nhs.uk", "health"),
    _O("Cwm Taf Morgannwg University Health Board", WAL, "wales.nhs.uk", "health"),
    _O("Powys Teaching Health Board", WAL, "wales.nhs.uk", "health", 0.5),
    _O("Public Health Wales", WAL, "wales.nhs.uk", "health"),
    _O("Welsh Ambulance Services University NHS Trust", WAL, "wales.nhs.uk", "health"),
    _O("Belfast Health and Social Care Trust", NI, "belfasttrust.hscni.net", "health", 1.5),
    _O("Western Health and Social Care Trust", NI, "westerntrust.hscni.net", "health"),
    _O("Southern Health and Social Care Trust", NI, "southerntrust.hscni.net", "health"),
    _O("Northern Health and Social Care Trust", NI, "northerntrust.hscni.net", "health"),
    _O("South Eastern Health and Social Care Trust", NI, "setrust.hscni.net", "health"),
    _O("Northern Ireland Ambulance Service", NI, "nias.hscni.net", "health", 0.5),
    # Policing
    _O("Metropolitan Police Service", LDN, "met.police.uk", "police", 4),
    _O("City of London Police", LDN, "cityoflondon.police.uk", "police", 0.5),
    _O("Greater Manchester Police", NW, "gmp.police.uk", "police", 2),
    _O("West Midlands Police", WM, "westmidlands.police.uk", "police", 2),
    _O("West Yorkshire Police", YH, "westyorkshire.police.uk", "police", 1.5),
    _O("South Yorkshire Police", YH, "southyorks.police.uk", "police"),
    _O("Merseyside Police", NW, "merseyside.police.uk", "police"),
    _O("Lancashire Constabulary", NW, "lancashire.police.uk", "police"),
    _O("Cumbria Constabulary", NW, "cumbria.police.uk", "police", 0.5),
    _O("Northumbria Police", NE, "northumbria.police.uk", "police"),
    _O("Durham Constabulary", NE, "durham.police.uk", "police", 0.5),
    _O("Thames Valley Police", SE, "thamesvalley.police.uk", "police", 1.5),
    _O("Kent Police", SE, "kent.police.uk", "police"),
    _O("Sussex Police", SE, "sussex.police.uk", "police"),
    _O("Hampshire and Isle of Wight Constabulary", SE, "hampshire.police.uk", "police"),
    _O("Essex Police", EE, "essex.police.uk", "police"),
    _O("Norfolk Constabulary", EE, "norfolk.police.uk", "police", 0.5),
    _O("Avon and Somerset Constabulary", SW, "avonandsomerset.police.uk", "police"),
    _O("Devon and Cornwall Police", SW, "devonandcornwall.police.uk", "police"),
    _O("Nottinghamshire Police", EM, "notts.police.uk", "police"),
    _O("Leicestershire Police", EM, "leicestershire.police.uk", "police"),
    _O("Police Scotland", SCO, "scotland.police.uk", "police", 3),
    _O("South Wales Police", WAL, "south-wales.police.uk", "police"),
    _O("North Wales Police", WAL, "nthwales.police.uk", "police", 0.5),
    _O("Dyfed-Powys Police", WAL, "dyfed-powys.police.uk", "police", 0.5),
    _O("Gwent Police", WAL, "gwent.police.uk", "police", 0.5),
    _O("Police Service of Northern Ireland", NI, "psni.police.uk", "police", 2),
    _O("British Transport Police", NAT, "btp.police.uk", "police"),
    _O("Civil Nuclear Constabulary", NAT, "cnc.police.uk", "police", 0.5),
    _O("National Crime Agency", NAT, "nca.gov.uk", "police", 1.5),
    _O("College of Policing", NAT, "college.police.uk", "police", 0.5),
    # Local government - England
    _O("Greater London Authority", LDN, "london.gov.uk", "council", 1.5),
    _O("Camden Council", LDN, "camden.gov.uk", "council"),
    _O("Hackney Council", LDN, "hackney.gov.uk", "council"),
    _O("Tower Hamlets Council", LDN, "towerhamlets.gov.uk", "council"),
    _O("Southwark Council", LDN, "southwark.gov.uk", "council"),
    _O("Lambeth Council", LDN, "lambeth.gov.uk", "council"),
    _O("Croydon Council", LDN, "croydon.gov.uk", "council"),
    _O("Westminster City Council", LDN, "westminster.gov.uk", "council"),
    _O("Royal Borough of Kensington and Chelsea", LDN, "rbkc.gov.uk", "council"),
    _O("Greater Manchester Combined Authority", NW, "greatermanchester-ca.gov.uk", "council"),
    _O("Manchester City Council", NW, "manchester.gov.uk", "council", 1.5),
    _O("Liverpool City Council", NW, "liverpool.gov.uk", "council"),
    _O("Lancashire County Council", NW, "lancashire.gov.uk", "council"),
    _O("Cumberland Council", NW, "cumberland.gov.uk", "council"),
    _O("West Midlands Combined Authority", WM, "wmca.org.uk", "council"),
    _O("Birmingham City Council", WM, "birmingham.gov.uk", "council", 2),
    _O("Coventry City Council", WM, "coventry.gov.uk", "council"),
    _O("Staffordshire County Council", WM, "staffordshire.gov.uk", "council"),
    _O("Shropshire Council", WM, "shropshire.gov.uk", "council"),
    _O("Stoke-on-Trent City Council", WM, "stoke.gov.uk", "council"),
    _O("West Yorkshire Combined Authority", YH, "westyorks-ca.gov.uk", "council"),
    _O("Leeds City Council", YH, "leeds.gov.uk", "council", 1.5),
    _O("Sheffield City Council", YH, "sheffield.gov.uk", "council"),
    _O("Hull City Council", YH, "hull.gov.uk", "council"),
    _O("North Yorkshire Council", YH, "northyorks.gov.uk", "council"),
    _O("Newcastle City Council", NE, "newcastle.gov.uk", "council"),
    _O("Sunderland City Council", NE, "sunderland.gov.uk", "council"),
    _O("Durham County Council", NE, "durham.gov.uk", "council"),
    _O("Northumberland County Council", NE, "northumberland.gov.uk", "council"),
    _O("Derbyshire County Council", EM, "derbyshire.gov.uk", "council"),
    _O("Lincolnshire County Council", EM, "lincolnshire.gov.uk", "council"),
    _O("Nottingham City Council", EM, "nottinghamcity.gov.uk", "council"),
    _O("Leicester City Council", EM, "leicester.gov.uk", "council"),
    _O("Essex County Council", EE, "essex.gov.uk", "council", 1.5),
    _O("Norfolk County Council", EE, "norfolk.gov.uk", "council"),
    _O("Suffolk County Council", EE, "suffolk.gov.uk", "council"),
    _O("Hertfordshire County Council", EE, "hertfordshire.gov.uk", "council"),
    _O("Cambridgeshire County Council", EE, "cambridgeshire.gov.uk", "council"),
    _O("Kent County Council", SE, "kent.gov.uk", "council", 1.5),
    _O("Hampshire County Council", SE, "hants.gov.uk", "council", 1.5),
    _O("Surrey County Council", SE, "surreycc.gov.uk", "council"),
    _O("Oxfordshire County Council", SE, "oxfordshire.gov.uk", "council"),
    _O("Buckinghamshire Council", SE, "buckinghamshire.gov.uk", "council"),
    _O("Brighton & Hove City Council", SE, "brighton-hove.gov.uk", "council"),
    _O("Devon County Council", SW, "devon.gov.uk", "council"),
    _O("Cornwall Council", SW, "cornwall.gov.uk", "council"),
    _O("Somerset Council", SW, "somerset.gov.uk", "council"),
    _O("Wiltshire Council", SW, "wiltshire.gov.uk", "council"),
    _O("Bristol City Council", SW, "bristol.gov.uk", "council"),
    # Local government - Wales, Scotland, Northern Ireland
    _O("Cardiff Council", WAL, "cardiff.gov.uk", "council"),
    _O("Swansea Council", WAL, "swansea.gov.uk", "council"),
    _O("Cyngor Gwynedd", WAL, "gwynedd.llyw.cymru", "council"),
    _O("Isle of Anglesey County Council", WAL, "anglesey.gov.wales", "council", 0.5),
    _O("Rhondda Cynon Taf County Borough Council", WAL, "rctcbc.gov.uk", "council"),
    _O("Newport City Council", WAL, "newport.gov.uk", "council"),
    _O("Ceredigion County Council", WAL, "ceredigion.gov.uk", "council", 0.5),
    _O("Conwy County Borough Council", WAL, "conwy.gov.uk", "council", 0.5),
    _O("Powys County Council", WAL, "powys.gov.uk", "council"),
    _O("Glasgow City Council", SCO, "glasgow.gov.uk", "council", 1.5),
    _O("The City of Edinburgh Council", SCO, "edinburgh.gov.uk", "council", 1.5),
    _O("Aberdeen City Council", SCO, "aberdeencity.gov.uk", "council"),
    _O("Dundee City Council", SCO, "dundeecity.gov.uk", "council"),
    _O("The Highland Council", SCO, "highland.gov.uk", "council"),
    _O("Fife Council", SCO, "fife.gov.uk", "council"),
    _O("Scottish Borders Council", SCO, "scotborders.gov.uk", "council", 0.5),
    _O("Orkney Islands Council", SCO, "orkney.gov.uk", "council", 0.5),
    _O("Comhairle nan Eilean Siar", SCO, "cne-siar.gov.uk", "council", 0.5),
    _O("Belfast City Council", NI, "belfastcity.gov.uk", "council"),
    _O("Derry City and Strabane District Council", NI, "derrystrabane.com", "council"),
    _O("Armagh City, Banbridge and Craigavon Borough Council", NI, "armaghbanbridgecraigavon.gov.uk",
       "council"),
    _O("Newry, Mourne and Down District Council", NI, "nmandd.org", "council"),
    _O("Mid Ulster District Council", NI, "midulstercouncil.org", "council", 0.5),
    # Devolved government
    _O("Scottish Government", SCO, "gov.scot", "devolved", 4),
    _O("Transport Scotland", SCO, "transport.gov.scot", "devolved"),
    _O("Revenue Scotland", SCO, "revenue.scot", "devolved", 0.5),
    _O("Scottish Parliament", SCO, "parliament.scot", "devolved", 0.5),
    _O("Welsh Government", WAL, "gov.wales", "devolved", 3),
    _O("Welsh Revenue Authority", WAL, "wra.gov.wales", "devolved", 0.5),
    _O("Senedd Cymru", WAL, "senedd.wales", "devolved", 0.5),
    _O("The Executive Office", NI, "executiveoffice-ni.gov.uk", "devolved"),
    _O("Department of Finance (Northern Ireland)", NI, "finance-ni.gov.uk", "devolved"),
    _O("Department of Health (Northern Ireland)", NI, "health-ni.gov.uk", "devolved"),
    _O("Department for Infrastructure (Northern Ireland)", NI, "infrastructure-ni.gov.uk", "devolved"),
    _O("Department for Communities (Northern Ireland)", NI, "communities-ni.gov.uk", "devolved"),
    _O("Northern Ireland Assembly", NI, "niassembly.gov.uk", "devolved", 0.5),
    # Fire and rescue
    _O("London Fire Brigade", LDN, "london-fire.gov.uk", "fire", 2),
    _O("Greater Manchester Fire and Rescue Service", NW, "manchesterfire.gov.uk", "fire"),
    _O("Merseyside Fire and Rescue Service", NW, "merseyfire.gov.uk", "fire"),
    _O("Lancashire Fire and Rescue Service", NW, "lancsfirerescue.org.uk", "fire"),
    _O("West Midlands Fire Service", WM, "wmfs.net", "fire"),
    _O("West Yorkshire Fire and Rescue Service", YH, "westyorksfire.gov.uk", "fire"),
    _O("Tyne and Wear Fire and Rescue Service", NE, "twfire.gov.uk", "fire"),
    _O("Nottinghamshire Fire and Rescue Service", EM, "notts-fire.gov.uk", "fire"),
    _O("Essex County Fire and Rescue Service", EE, "essex-fire.gov.uk", "fire"),
    _O("Kent Fire and Rescue Service", SE, "kent.fire-uk.org", "fire"),
    _O("Hampshire and Isle of Wight Fire and Rescue Service", SE, "hiwfrs.org.uk", "fire"),
    _O("Devon and Somerset Fire and Rescue Service", SW, "dsfire.gov.uk", "fire"),
    _O("Avon Fire and Rescue Service", SW, "avonfire.gov.uk", "fire"),
    _O("Scottish Fire and Rescue Service", SCO, "firescotland.gov.uk", "fire", 2),
    _O("South Wales Fire and Rescue Service", WAL, "southwales-fire.gov.uk", "fire"),
    _O("Mid and West Wales Fire and Rescue Service", WAL, "mawwfire.gov.uk", "fire"),
    _O("North Wales Fire and Rescue Service", WAL, "northwalesfire.gov.wales", "fire", 0.5),
    _O("Northern Ireland Fire & Rescue Service", NI, "nifrs.org", "fire"),
    # Education
    _O("University of Leeds", YH, "leeds.ac.uk", "university"),
    _O("The University of Manchester", NW, "manchester.ac.uk", "university"),
    _O("University College London", LDN, "ucl.ac.uk", "university"),
    _O("King's College London", LDN, "kcl.ac.uk", "university"),
    _O("Newcastle University", NE, "ncl.ac.uk", "university"),
    _O("University of Bristol", SW, "bristol.ac.uk", "university"),
    _O("University of Birmingham", WM, "bham.ac.uk", "university"),
    _O("University of Nottingham", EM, "nottingham.ac.uk", "university"),
    _O("University of East Anglia", EE, "uea.ac.uk", "university"),
    _O("University of Sussex", SE, "sussex.ac.uk", "university"),
    _O("The Open University", NAT, "open.ac.uk", "university"),
    _O("The University of Edinburgh", SCO, "ed.ac.uk", "university"),
    _O("University of Glasgow", SCO, "glasgow.ac.uk", "university"),
    _O("University of the Highlands and Islands", SCO, "uhi.ac.uk", "university", 0.5),
    _O("Cardiff University", WAL, "cardiff.ac.uk", "university"),
    _O("Bangor University", WAL, "bangor.ac.uk", "university", 0.5),
    _O("Queen's University Belfast", NI, "qub.ac.uk", "university"),
    _O("Ulster University", NI, "ulster.ac.uk", "university"),
    _O("Harris Federation", LDN, "harrisfederation.org.uk", "school"),
    _O("Ark Schools", LDN, "arkonline.org", "school"),
    _O("United Learning", NAT, "unitedlearning.org.uk", "school"),
    _O("Outwood Grange Academies Trust", YH, "outwood.com", "school"),
    _O("Delta Academies Trust", YH, "deltatrust.org.uk", "school"),
    _O("Star Academies", NW, "staracademies.org", "school"),
    _O("Leeds City College", YH, "leedscitycollege.ac.uk", "school"),
    _O("City of Glasgow College", SCO, "cityofglasgowcollege.ac.uk", "school"),
    _O("Coleg Cambria", WAL, "cambria.ac.uk", "school"),
    _O("Education Authority (Northern Ireland)", NI, "eani.org.uk", "school"),
    _O("Education Scotland", SCO, "educationscotland.gov.scot", "school"),
    # Justice
    _O("HM Prison and Probation Service", NAT, "justice.gov.uk", "prisons", 3),
    _O("Youth Custody Service", NAT, "justice.gov.uk", "prisons", 0.5),
    _O("HMP Wandsworth", LDN, "justice.gov.uk", "prisons", 0.3),
    _O("HMP Leeds", YH, "justice.gov.uk", "prisons", 0.3),
    _O("HMP Birmingham", WM, "justice.gov.uk", "prisons", 0.3),
    _O("HMP Berwyn", WAL, "justice.gov.uk", "prisons", 0.3),
    _O("HMP Durham", NE, "justice.gov.uk", "prisons", 0.3),
    _O("Scottish Prison Service", SCO, "sps.gov.uk", "prisons"),
    _O("Northern Ireland Prison Service", NI, "justice-ni.gov.uk", "prisons", 0.5),
    _O("HM Courts & Tribunals Service", NAT, "justice.gov.uk", "courts", 2),
    _O("Scottish Courts and Tribunals Service", SCO, "scotcourts.gov.uk", "courts"),
    _O("Northern Ireland Courts and Tribunals Service", NI, "courtsni.gov.uk", "courts", 0.5),
    _O("Legal Aid Agency", NAT, "justice.gov.uk", "courts"),
    _O("Parole Board", NAT, "paroleboard.gov.uk", "courts", 0.5),
    _O("Youth Justice Board", NAT, "yjb.gov.uk", "courts", 0.5),
    _O("Criminal Cases Review Commission", NAT, "ccrc.gov.uk", "courts", 0.3),
    _O("Crown Prosecution Service", NAT, "cps.gov.uk", "prosecution", 2),
    _O("CPS North West", NW, "cps.gov.uk", "prosecution", 0.5),
    _O("CPS Yorkshire and Humberside", YH, "cps.gov.uk", "prosecution", 0.5),
    _O("Crown Office and Procurator Fiscal Service", SCO, "copfs.gov.uk", "prosecution"),
    _O("Public Prosecution Service for Northern Ireland", NI, "ppsni.gov.uk", "prosecution", 0.5),
    _O("Serious Fraud Office", NAT, "sfo.gov.uk", "prosecution", 0.5),
    # Defence
    _O("Ministry of Defence", NAT, "mod.gov.uk", "defence", 3),
    _O("Defence Equipment and Support", SW, "mod.gov.uk", "defence", 1.5),
    _O("Defence Science and Technology Laboratory", NAT, "dstl.gov.uk", "defence"),
    _O("Defence Infrastructure Organisation", NAT, "mod.gov.uk", "defence"),
    _O("Submarine Delivery Agency", SW, "mod.gov.uk", "defence", 0.5),
    _O("UK Hydrographic Office", SW, "ukho.gov.uk", "defence", 0.5),
    _O("UK Strategic Command", NAT, "mod.gov.uk", "defence"),
    _O("British Army", NAT, "army.mod.uk", "army", 2),
    _O("Royal Navy", NAT, "royalnavy.mod.uk", "navy", 1.5),
    _O("Royal Marines", NAT, "royalnavy.mod.uk", "navy", 0.3),
    _O("Royal Air Force", NAT, "raf.mod.uk", "raf", 1.5),
    # Agencies and arm's-length bodies
    _O("Environment Agency", NAT, "environment-agency.gov.uk", "agency", 2),
    _O("DVLA", NAT, "dvla.gov.uk", "agency"),
    _O("Driver and Vehicle Standards Agency", NAT, "dvsa.gov.uk", "agency"),
    _O("HM Land Registry", NAT, "landregistry.gov.uk", "agency"),
    _O("Companies House", WAL, "companieshouse.gov.uk", "agency"),
    _O("Ordnance Survey", SE, "os.uk", "agency"),
    _O("Met Office", SW, "metoffice.gov.uk", "agency"),
    _O("UK Health Security Agency", NAT, "ukhsa.gov.uk", "agency", 1.5),
    _O("Natural England", NAT, "naturalengland.org.uk", "agency"),
    _O("Homes England", NAT, "homesengland.gov.uk", "agency"),
    _O("Historic England", NAT, "historicengland.org.uk", "agency"),
    _O("Arts Council England", NAT, "artscouncil.org.uk", "agency"),
    _O("Office for National Statistics", NAT, "ons.gov.uk", "agency"),
    _O("Student Loans Company", SCO, "slc.co.uk", "agency"),
    _O("Crown Commercial Service", NAT, "crowncommercial.gov.uk", "agency"),
    _O("Maritime and Coastguard Agency", SE, "mcga.gov.uk", "agency"),
    _O("National Highways", NAT, "nationalhighways.co.uk", "agency"),
    _O("UK Research and Innovation", NAT, "ukri.org", "agency"),
    _O("Rural Payments Agency", NAT, "rpa.gov.uk", "agency"),
    _O("Insolvency Service", NAT, "insolvency.gov.uk", "agency"),
    _O("Valuation Office Agency", NAT, "voa.gov.uk", "agency"),
    _O("National Institute for Health and Care Excellence", NAT, "nice.org.uk", "agency"),
    _O("UK Space Agency", NAT, "ukspaceagency.gov.uk", "agency", 0.5),
    _O("Natural Resources Wales", WAL, "naturalresourceswales.gov.uk", "agency"),
    _O("Transport for Wales", WAL, "tfw.wales", "agency"),
    _O("NatureScot", SCO, "nature.scot", "agency"),
    _O("Scottish Water", SCO, "scottishwater.co.uk", "agency"),
    _O("Social Security Scotland", SCO, "socialsecurity.gov.scot", "agency"),
    _O("Skills Development Scotland", SCO, "sds.co.uk", "agency"),
    _O("Invest Northern Ireland", NI, "investni.com", "agency"),
    _O("Northern Ireland Housing Executive", NI, "nihe.gov.uk", "agency"),
    _O("Ofsted", NAT, "ofsted.gov.uk", "regulator"),
    _O("Ofqual", NAT, "ofqual.gov.uk", "regulator", 0.5),
    _O("Ofgem", NAT, "ofgem.gov.uk", "regulator"),
    _O("Ofcom", NAT, "ofcom.org.uk", "regulator"),
    _O("Ofwat", NAT, "ofwat.gov.uk", "regulator", 0.5),
    _O("Care Quality Commission", NAT, "cqc.org.uk", "regulator"),
    _O("Information Commissioner's Office", NAT, "ico.org.uk", "regulator"),
    _O("Health and Safety Executive", NAT, "hse.gov.uk", "regulator"),
    _O("Food Standards Agency", NAT, "food.gov.uk", "regulator"),
    _O("Competition and Markets Authority", NAT, "cma.gov.uk", "regulator"),
    _O("Charity Commission for England and Wales", NAT, "charitycommission.gov.uk", "regulator", 0.5),
    _O("Office of Rail and Road", NAT, "orr.gov.uk", "regulator", 0.5),
    _O("Civil Aviation Authority", NAT, "caa.co.uk", "regulator"),
    _O("Medicines and Healthcare products Regulatory Agency", NAT, "mhra.gov.uk", "regulator"),
    _O("Equality and Human Rights Commission", NAT, "equalityhumanrights.com", "regulator", 0.5),
    _O("HM Inspectorate of Constabulary and Fire & Rescue Services", NAT, "hmicfrs.gov.uk", "regulator",
       0.5),
    _O("Care Inspectorate", SCO, "careinspectorate.gov.scot", "regulator", 0.5),
    _O("Scottish Environment Protection Agency", SCO, "sepa.org.uk", "regulator"),
    _O("Care Inspectorate Wales", WAL, "gov.wales", "regulator", 0.5),
    _O("Qualifications Wales", WAL, "qualifications.wales", "regulator", 0.3),
    _O("Regulation and Quality Improvement Authority", NI, "rqia.org.uk", "regulator", 0.5),
)

SECTOR_WEIGHTS: dict[str, float] = {
    "local-government": 24, "health": 22, "policing": 15, "central-government": 10, "arms-length-body": 9,
    "education": 7, "fire-and-rescue": 5, "justice": 4, "devolved-government": 2.5, "defence": 1.5,
}

# ------------------------------------------------------------------------------------ roles and expertise

EXPERTISE: tuple[str, ...] = (
    "cyber security", "finance", "workforce", "digital transformation", "net zero", "procurement",
    "mental health", "data and AI", "safeguarding", "major incidents", "housing", "integration", "estates",
    "commercial", "risk", "audit and assurance", "data protection", "equality and inclusion",
    "leadership development", "strategy", "policy", "communications", "public engagement", "legal",
    "governance", "transformation", "patient safety", "clinical leadership", "public health",
    "children's services", "adult social care", "counter-terrorism", "serious and organised crime",
    "violence against women and girls", "community safety", "emergency planning", "resilience",
    "economics", "science and research", "skills", "regeneration", "transport", "partnership working",
    "regulation", "criminal justice", "rehabilitation", "international", "national security",
    "infrastructure", "inspection", "customer experience", "climate adaptation",
)


class Role(NamedTuple):
    title: str
    weight: float
    tags: tuple[str, ...] = ()


_R = Role
_GENERIC_ROLES: tuple[Role, ...] = (
    _R("Director of Finance", 3, ("finance", "audit and assurance")),
    _R("Chief Financial Officer", 1, ("finance", "commercial")),
    _R("Chief Operating Officer", 2, ("transformation", "risk")),
    _R("Chief Digital Officer", 1.5, ("digital transformation", "data and AI")),
    _R("Chief Information Officer", 1.5, ("digital transformation", "cyber security")),
    _R("Chief Information Security Officer", 1.5, ("cyber security", "risk")),
    _R("Chief Data Officer", 1, ("data and AI", "data protection")),
    _R("Director of People", 2, ("workforce", "equality and inclusion")),
    _R("Chief People Officer", 1, ("workforce", "leadership development")),
    _R("Director of Strategy", 1.5, ("strategy", "policy")),
    _R("Director of Communications", 1.5, ("communications", "public engagement")),
    _R("General Counsel", 1, ("legal", "governance")),
    _R("Director of Procurement", 1, ("procurement", "commercial")),
    _R("Chief Commercial Officer", 0.7, ("commercial", "procurement")),
    _R("Director of Transformation", 1.5, ("transformation", "digital transformation")),
    _R("Head of Risk and Assurance", 1, ("risk", "audit and assurance")),
    _R("Director of Estates", 1, ("estates", "net zero")),
    _R("Head of Sustainability", 0.7, ("net zero", "climate adaptation")),
    _R("Director of Corporate Affairs", 1, ("governance", "communications")),
)

_FAMILY_ROLES: dict[str, tuple[Role, ...]] = {
    "central": (
        _R("Permanent Secretary", 1, ("leadership development", "policy")),
        _R("Second Permanent Secretary", 0.4),
        _R("Director General", 3, ("policy", "strategy")), _R("Director", 6), _R("Deputy Director", 8),
        _R("Chief Scientific Adviser", 0.7, ("science and research", "data and AI")),
        _R("Chief Economist", 0.7, ("economics", "policy")), _R("Director of Analysis", 1, ("data and AI",)),
        _R("Chief Digital and Information Officer", 1, ("digital transformation", "cyber security"))),
    "health": (
        _R("Chief Executive", 1, ("integration", "leadership development")),
        _R("Chair", 0.7, ("governance",)),
        _R("Chief Nurse", 1.5, ("patient safety", "clinical leadership")),
        _R("Medical Director", 1.5, ("clinical leadership", "patient safety")),
        _R("Director of Nursing", 1.5, ("patient safety", "workforce")),
        _R("Director of Workforce", 1.5, ("workforce", "leadership development")),
        _R("Chief Clinical Information Officer", 1, ("digital transformation", "clinical leadership")),
        _R("Director of Estates and Facilities", 1, ("estates", "net zero")),
        _R("Director of Operations", 2), _R("Deputy Chief Executive", 1),
        _R("Director of Quality Governance", 1, ("patient safety", "governance")),
        _R("Director of Mental Health Services", 0.7, ("mental health",)),
        _R("Director of Primary Care", 0.7, ("integration", "public health"))),
    "police": (
        _R("Chief Constable", 1, ("leadership development",)), _R("Deputy Chief Constable", 1.5),
        _R("Assistant Chief Constable", 3), _R("Chief Superintendent", 5, ("community safety",)),
        _R("Detective Chief Superintendent", 3, ("serious and organised crime",)),
        _R("Head of Public Protection", 1.5, ("safeguarding", "violence against women and girls")),
        _R("Director of Intelligence", 1, ("counter-terrorism", "data and AI")),
        _R("Director of Corporate Services", 1.5)),
    "council": (
        _R("Chief Executive", 1, ("partnership working", "leadership development")),
        _R("Director of Children's Services", 1.5, ("children's services", "safeguarding")),
        _R("Director of Adult Social Services", 1.5, ("adult social care", "integration")),
        _R("Director of Public Health", 1.5, ("public health",)),
        _R("Section 151 Officer", 1, ("finance", "audit and assurance")),
        _R("Monitoring Officer", 1, ("legal", "governance")),
        _R("Director of Housing", 1.5, ("housing",)),
        _R("Director of Place", 1.5, ("regeneration", "transport")),
        _R("Director of Regeneration", 1, ("regeneration", "housing")),
        _R("Director of Environment", 1, ("net zero", "climate adaptation")),
        _R("Head of Emergency Planning", 1, ("emergency planning", "resilience")),
        _R("Strategic Director of Communities", 1, ("community safety", "public engagement")),
        _R("Assistant Director", 4)),
    "devolved": (
        _R("Permanent Secretary", 0.5, ("policy",)), _R("Director General", 2, ("policy", "strategy")),
        _R("Director", 5), _R("Deputy Director", 6), _R("Chief Medical Officer", 0.4, ("public health",)),
        _R("Chief Statistician", 0.4, ("data and AI",)), _R("Chief Economist", 0.4, ("economics",)),
        _R("Clerk and Chief Executive", 0.3, ("governance",))),
    "fire": (
        _R("Chief Fire Officer", 1, ("major incidents", "leadership development")),
        _R("Deputy Chief Fire Officer", 1.5, ("major incidents",)),
        _R("Assistant Chief Fire Officer", 2.5, ("emergency planning",)),
        _R("Area Manager", 4, ("major incidents", "community safety")), _R("Group Manager", 4),
        _R("Director of Prevention and Protection", 1.5, ("community safety", "regulation")),
        _R("Head of Operational Response", 1.5, ("major incidents", "resilience"))),
    "university": (
        _R("Vice-Chancellor", 1, ("leadership development", "international")),
        _R("Deputy Vice-Chancellor", 1), _R("Pro-Vice-Chancellor", 3, ("science and research",)),
        _R("Registrar and Secretary", 1, ("governance",)), _R("Dean", 4, ("science and research", "skills")),
        _R("Director of Research and Innovation", 1, ("science and research",))),
    "school": (
        _R("Chief Executive", 1, ("leadership development",)), _R("Principal", 1.5, ("skills",)),
        _R("Executive Headteacher", 3, ("safeguarding",)), _R("Headteacher", 3),
        _R("Director of Education", 1.5, ("skills", "children's services")),
        _R("Governor", 1.5, ("governance",)), _R("Chair of Governors", 0.7, ("governance",))),
    "prisons": (
        _R("Governor", 3, ("rehabilitation", "safeguarding")), _R("Deputy Governor", 2),
        _R("Chief Executive", 0.5), _R("Director of Probation", 1.5, ("rehabilitation",)),
        _R("Regional Probation Director", 1.5, ("rehabilitation", "partnership working")),
        _R("Prison Group Director", 1.5, ("criminal justice",))),
    "courts": (
        _R("Chief Executive", 1, ("criminal justice",)), _R("Director of Operations", 2),
        _R("Delivery Director", 2, ("digital transformation",)), _R("Director", 2)),
    "prosecution": (
        _R("Chief Crown Prosecutor", 2, ("criminal justice", "legal")),
        _R("Deputy Chief Crown Prosecutor", 2),
        _R("Director of Legal Services", 1, ("legal",)), _R("Chief Executive", 0.5)),
    "defence": (
        _R("Director General", 1, ("national security",)), _R("Director", 3), _R("Deputy Director", 4),
        _R("Chief Executive", 0.5), _R("Senior Responsible Owner", 1.5, ("commercial", "infrastructure")),
        _R("Chief Digital and Information Officer", 0.5, ("digital transformation", "cyber security"))),
    "army": (_R("Major General", 1, ("national security",)), _R("Brigadier", 3), _R("Colonel", 5)),
    "navy": (_R("Rear Admiral", 1, ("national security",)), _R("Commodore", 3), _R("Captain", 5)),
    "raf": (_R("Air Vice-Marshal", 1, ("national security",)), _R("Air Commodore", 3),
            _R("Group Captain", 5)),
    "agency": (
        _R("Chief Executive", 1), _R("Chair", 0.5, ("governance",)), _R("Executive Director", 4),
        _R("Director", 5), _R("Director of Customer Services", 1, ("customer experience",))),
    "regulator": (
        _R("Chief Executive", 1, ("regulation",)), _R("Chief Inspector", 0.7, ("inspection", "regulation")),
        _R("Chair", 0.5, ("governance",)), _R("Executive Director of Regulation", 2, ("regulation",)),
        _R("Director of Enforcement", 1, ("regulation", "legal")),
        _R("Director of Policy", 1.5, ("policy",))),
}

# Expertise each family leans towards, beyond what a role brings.
_FAMILY_TAGS: dict[str, tuple[str, ...]] = {
    "central": ("policy", "strategy", "economics", "international", "partnership working"),
    "health": ("patient safety", "clinical leadership", "mental health", "integration", "public health",
               "workforce"),
    "police": ("counter-terrorism", "serious and organised crime", "violence against women and girls",
               "community safety", "safeguarding", "major incidents"),
    "council": ("housing", "adult social care", "children's services", "regeneration", "public health",
                "partnership working", "transport"),
    "devolved": ("policy", "economics", "partnership working", "international"),
    "fire": ("major incidents", "emergency planning", "resilience", "community safety"),
    "university": ("science and research", "skills", "international"),
    "school": ("skills", "safeguarding", "children's services", "equality and inclusion"),
    "prisons": ("rehabilitation", "criminal justice", "safeguarding", "mental health"),
    "courts": ("criminal justice", "digital transformation", "legal"),
    "prosecution": ("criminal justice", "legal", "serious and organised crime",
                    "violence against women and girls"),
    "defence": ("national security", "infrastructure", "commercial", "international"),
    "army": ("national security", "resilience", "major incidents", "international"),
    "navy": ("national security", "international", "infrastructure"),
    "raf": ("national security", "international", "major incidents"),
    "agency": ("customer experience", "infrastructure", "data and AI", "net zero"),
    "regulator": ("regulation", "inspection", "data protection", "risk"),
}

# Expertise any senior leader may list, whatever the sector.
_CROSS_CUTTING_TAGS: tuple[str, ...] = (
    "cyber security", "finance", "workforce", "digital transformation", "net zero", "procurement",
    "data and AI", "risk", "governance", "strategy", "communications", "leadership development",
    "equality and inclusion", "transformation", "partnership working", "estates", "commercial",
    "data protection", "public engagement", "resilience",
)


def _role_picker(family: str) -> _Picker[Role]:
    specific, generic = _FAMILY_ROLES[family], _GENERIC_ROLES
    share = 0.75 if family in ("army", "navy", "raf") else 0.6  # part of leaders in sector-specific posts
    s_total, g_total = sum(r.weight for r in specific), sum(r.weight for r in generic)
    return _Picker([(r, share * r.weight / s_total) for r in specific]
                   + [(r, (1 - share) * r.weight / g_total) for r in generic])


_ROLE_PICKERS = {family: _role_picker(family) for family in _FAMILY_ROLES}
_SECTOR_PICKER = _Picker(SECTOR_WEIGHTS.items())
_ORGS_BY_SECTOR: dict[str, list[Organisation]] = {key: [] for key in SECTOR_WEIGHTS}
for _org in ORGANISATIONS:
    _ORGS_BY_SECTOR[_org.sector].append(_org)
_ORG_PICKERS = {key: _Picker((o, o.weight) for o in orgs) for key, orgs in _ORGS_BY_SECTOR.items()}
_TAG_COUNT = _Picker([(2, 25), (3, 40), (4, 25), (5, 10)])

# ------------------------------------------------------------------------------------------------ bios

_SECTOR_PHRASE = {
    "central-government": "the civil service", "health": "the NHS", "policing": "policing",
    "local-government": "local government", "devolved-government": "devolved government",
    "fire-and-rescue": "the fire and rescue service", "education": "education",
    "justice": "the justice system",
    "defence": "defence", "arms-length-body": "arm's-length bodies",
}
_ORIGINS = ("the private sector", "management consultancy", "the charity sector", "the armed forces",
            "academia", "accountancy", "the law", "frontline nursing", "teaching", "social work",
            "the police", "engineering", "journalism", "the tech industry")
_OPENERS = (
    "{first} is {role} at {org}, with a focus on {t0} and {t1}.",
    "As {role} at {org}, {first} leads work on {t0} across {area}.",
    "{first} joined {org} as {role} in {year}.",
    "{first} has been {role} at {org} since {year}, responsible for {t0} and {t1}.",
    "{role} at {org}, leading the organisation's approach to {t0}.",
    "At {org}, {first} leads on {t0} and {t1} as {role}.",
)
_FOLLOW_UPS = (
    "Previously {prev_role} at {prev_org}.",
    "Before that, {first} spent {years} years at {prev_org}, latterly as {prev_role}.",
    "Happy to talk to peers about {t0}, {t1} or {t2}.",
    "Started out in {origin} and moved into {sector_phrase} in {year2}.",
    "A former {prev_role} at {peer_org}, with {years} years' experience in {sector_phrase}.",
    "Chairs a cross-sector network on {t1} and mentors new leaders.",
    "Interested in how {t0} and {t1} fit together across the public sector.",
    "Has worked in {sector_phrase} for {years} years, including time at {peer_org}.",
)
_COHORTS = ("2022 Autumn", "2023 Spring", "2023 Autumn", "2024 Spring", "2024 Autumn", "2025 Spring",
            "2025 Autumn")
_BIO_LIMIT = 400

# Bios read "at the Home Office" but "at Leeds City Council": names ending or starting with these words
# take "the" in running text (HM... and NHS... names never do; "The ..." becomes "the ...").
_THE_LAST_WORDS = frozenset((
    "Office", "Department", "Service", "Services", "Agency", "Authority", "Board", "Commission", "Executive",
    "Government", "Brigade", "Army", "Navy", "Marines", "Force", "Laboratory", "Organisation", "Company",
    "Inspectorate", "Federation", "Parliament", "Assembly",
))
_THE_FIRST_WORDS = ("Department ", "Ministry ", "Office ", "University of ", "College of ", "City of ",
                    "Royal Borough ", "National Institute ", "Police Service ", "Public Prosecution Service ",
                    "Charity Commission ")


def _in_running_text(name: str) -> str:
    if name.startswith("The "):
        return f"the {name[4:]}"
    if name.startswith(("HM ", "NHS ")):
        return name
    core = name.split(" (")[0]
    if core.startswith(_THE_FIRST_WORDS) or core.rsplit(" ", 1)[-1] in _THE_LAST_WORDS:
        return f"the {name}"
    return name


_RUNNING_NAME = {org.name: _in_running_text(org.name) for org in ORGANISATIONS}

# ------------------------------------------------------------------------------------------- generation


@cache
def _slug(name: str) -> str:
    """ASCII email part of a name: "Ní Bhriain" -> "nibhriain", "O'Brien" -> "obrien", hyphens kept."""
    return "-".join("".join(fold(piece).split()) for piece in name.split("-") if fold(piece))


def _surname(rng: random.Random, group: _NameGroup, female: bool, place: str) -> str:
    roll = rng.random()
    if roll < 0.04:  # double-barrelled, sometimes across heritages (Priya Patel-Hughes)
        first = rng.choice(group.surnames)
        second = rng.choice(_HYPHEN_SURNAMES)
        return f"{first}-{second}" if second != first else first
    if roll < 0.11:  # married or mixed-heritage names: a surname from another group of the same place
        group = NAME_GROUPS[_GROUP_PICKERS[place](rng)]
    if group.gaelic and rng.random() < group.gaelic_rate:
        return rng.choice(group.gaelic)[1 if female else 0]
    return rng.choice(group.surnames)


def _expertise(rng: random.Random, role: Role, family: str) -> list[str]:
    wanted = _TAG_COUNT(rng)
    tags = [t for t in role.tags if rng.random() < 0.85]
    family_tags = _FAMILY_TAGS[family]
    for _ in range(rng.randint(1, 2)):
        tags.append(rng.choice(family_tags))
    tags = list(dict.fromkeys(tags))[:wanted]
    while len(tags) < wanted:
        roll = rng.random()  # mostly tags that fit the sector; now and then a personal interest
        pool = family_tags if roll < 0.35 else _CROSS_CUTTING_TAGS if roll < 0.9 else EXPERTISE
        tag = rng.choice(pool)
        if tag not in tags:
            tags.append(tag)
    return tags  # the role's own specialisms first, as people list them (and as the bio mentions them)


def _bio(rng: random.Random, first: str, role: str, org: Organisation, tags: list[str], sector: str) -> str:
    peer_org = rng.choice(_ORGS_BY_SECTOR[sector])  # a previous post in the same sector
    prev_org = peer_org if rng.random() < 0.7 else rng.choice(ORGANISATIONS)
    if prev_org is org:
        prev_org = peer_org = rng.choice(ORGANISATIONS)
    year = rng.randint(2008, 2024)
    fields = {
        "first": first, "role": role, "org": _RUNNING_NAME[org.name], "area": _REGION_PHRASE[org.region],
        "t0": tags[0], "t1": tags[1], "t2": tags[-1], "year": year,
        "prev_org": _RUNNING_NAME[prev_org.name], "peer_org": _RUNNING_NAME[peer_org.name],
        "prev_role": _ROLE_PICKERS[prev_org.family](rng).title,
        "years": rng.randint(3, 25), "year2": year - rng.randint(0, 15), "origin": rng.choice(_ORIGINS),
        "sector_phrase": _SECTOR_PHRASE[sector],
    }
    text = rng.choice(_OPENERS).format(**fields)
    if rng.random() < 0.6:
        both = f"{text} {rng.choice(_FOLLOW_UPS).format(**fields)}"
        if len(both) <= _BIO_LIMIT:
            text = both
    return text[:_BIO_LIMIT]


def _phone(rng: random.Random) -> str:
    roll = rng.random()
    if roll < 0.15:
        return ""
    if roll < 0.75:
        return f"+44 7700 900{rng.randrange(1000):03d}"  # Ofcom's drama range for mobiles
    return f"+44 20 7946 0{rng.randrange(1000):03d}"  # ... and for London landlines


def _row(rng: random.Random, index: int, used: dict[str, int]) -> dict[str, str]:
    sector = _SECTOR_PICKER(rng)
    org = _ORG_PICKERS[sector](rng)
    place = _name_place(org.region)
    group = NAME_GROUPS[_GROUP_PICKERS[place](rng)]
    female = rng.random() < 0.5
    first = rng.choice(group.female if female else group.male)
    surname = _surname(rng, group, female, place)
    if surname == first:  # no "Grant Grant" or "Wei Wei"
        surname = rng.choice(group.surnames)
    full_name = f"{first} {surname}"
    if "'" in full_name and rng.random() < 0.15:
        full_name = full_name.replace("'", "\u2019")  # spreadsheets autocorrect to a curly apostrophe

    base = f"{_slug(first)}.{_slug(surname)}"
    key = f"{base}@{org.domain}"
    seen = used.get(key, 0)
    used[key] = seen + 1
    email = key if not seen else f"{base}{seen + 1}@{org.domain}"  # bases have no digits: no clashes

    role = _ROLE_PICKERS[org.family](rng)
    tags = _expertise(rng, role, org.family)
    roll = rng.random()
    slack = f"U0{index:08X}" if roll < 0.02 else ""  # derived from the row number, so never shared
    teams = str(uuid.UUID(int=(rng.getrandbits(64) << 64) | index)) if roll > 0.99 else ""
    return {
        "email": email,
        "full_name": full_name,
        "role": role.title,
        "organisation": org.name,
        "sector": sector,
        "region": org.region,
        "expertise": ";".join(tags),
        "bio": _bio(rng, first, role.title, org, tags, sector),
        "phone": _phone(rng),
        "cohort": rng.choice(_COHORTS) if rng.random() < 0.7 else "",
        "slack_user_id": slack,
        "teams_user_id": teams,
    }


DEMO = "demo data"  # `verified_by` of a demo leader: how `demo-data` tells a demo database from a real one


def not_demo(session: Session) -> tuple[int, int]:
    """(leaders who are not demo data, demo leaders who edited their own profile) in this database."""
    from sqlalchemy import func, select

    from directory.models import Leader

    real = session.scalar(select(func.count()).select_from(Leader).where(Leader.verified_by != DEMO)) or 0
    demo = session.scalars(select(Leader.self_edited).where(Leader.verified_by == DEMO))
    return real, sum(1 for edited in demo if edited)


def generate_rows(count: int, seed: int = 42) -> Iterator[dict[str, str]]:
    """Yield `count` rows shaped like the CSV import format (every value a str; expertise ';'-separated)."""
    if count < 0:
        raise ValueError(f"count must be >= 0, not {count}")
    rng = random.Random(seed)
    used: dict[str, int] = {}  # name@domain -> how many leaders have claimed it so far
    for index in range(count):
        yield _row(rng, index, used)
