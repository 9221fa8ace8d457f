"""Common US first names, casefolded and accent-folded, for reading "I'm not Linda", "no soy
María", "nope not Ashley": a negation over a name says the text reached the wrong person.

Data only. Drawn from the US Social Security Administration's lists of popular given names
(https://www.ssa.gov/oact/babynames/) and common Spanish given names among US Hispanic
families; names that are also everyday words ("will", "grace", "hope", "rosa", "luz",
"dolores", "angel", "june") are left out, because "no hope" or "not will" is no name.
"""

from __future__ import annotations

FIRST_NAMES = frozenset("""
    ron ken ted tim tom bob rob ray roy joe jim jon dan sam ben
    aaliyah aaron abigail adam adrian adriana aidan aiden alan albert alberto alejandra
    alejandro alex alexa alexander alexandra alexis alfredo alice alicia alison allison alma
    alyssa amanda amber amy ana andre andrea andres andrew angela angelica anita ann anna
    anne annie anthony antonio ariana arturo ashley audrey austin barbara beatriz becky ben
    benjamin beth betty beverly blake brad bradley brandon brenda brent brett brian brianna
    brittany brooke bryan caleb cameron camila carl carla carlos carmen carol carolina
    caroline carolyn carrie casey catherine cecilia cesar chad charles charlotte chelsea cheryl
    chris christian christina christine christopher cindy claire claudia cody colin connor
    courtney craig cristina crystal cynthia dakota dale dalia damian dan dana daniel daniela
    danielle danny darius darlene darren dave david debbie deborah debra denise dennis derek
    destiny diana diane diego dominic donald donna doris dorothy douglas dustin dylan
    eddie eduardo edward edwin elena elijah elizabeth ellen emily emma enrique eric erica
    erik erika erin esteban esther ethan eugene eva evan evelyn fabian felipe fernando
    francisco gabriel gabriela gabriella gary genesis george gerardo gina gloria gonzalo
    gregory guadalupe gustavo hailey haley hannah harold heather hector heidi helen henry
    holly hugo ian ignacio irene isaac isabel isabella ivan jack jackie jacob jacqueline
    jaime jake james jamie jared jasmine jason javier jayden jeff jeffrey jenna jennifer
    jenny jeremy jerome jerry jessica jesse jill jimmy joan joanna joe joel john johnny
    jonathan jordan jorge jose joseph josh joshua josue joyce juan juana judith judy julia
    julian julie justin karen karina katherine kathleen kathy katie kayla keith kelly
    kendra kenneth kevin kimberly kristen kyle laura lauren leah leonardo leslie linda lisa
    logan lorena lori louis lucas lucia luis luke lydia madison manuel marco marcos marcus
    margaret maria mariah mariana mario marisol marissa marta martha martin marvin mary
    mason matthew megan melanie melissa michael michelle miguel mike miranda monica morgan
    nancy natalie natalia nathan nicholas nicole noah norma olivia omar oscar pablo pamela
    patricia patrick paul paula pedro peter rachel rafael ramon randy raquel raul rebecca
    regina ricardo richard rick roberto robert robin rodrigo ronald rosario ruben russell
    ryan samantha samuel sandra santiago sara sarah scott sean sebastian sergio shannon
    sharon shawn sheila shirley sofia sophia stephanie stephen steve steven susan sydney
    tammy tanya tara tasha teresa terry thomas tiffany timothy tina todd tom tommy tony
    tracy travis trevor tyler valeria valerie vanessa veronica vicente victor victoria
    vincent virginia walter wayne wendy william xavier yesenia yolanda zachary zoe
    aisha alondra ana amari andrea angelo anthony antoine ashanti ayesha bianca brandi
    brittney carlton cassandra cedric chantal chiquita clarence cornelius dante
    darnell dashawn deandre demetrius deshawn desiree devon dominique eduardo
    efrain elvira ernesto estela eva fatima felicia francisca gilberto giselle graciela
    hilda humberto imani isaiah ismael jalen jamal jamila janelle jermaine jessenia jocelyn
    joaquin jovan kareem keisha kendall keshia kiara lakisha lamar laquan latasha latisha
    latoya leticia lourdes lupita maribel marisela maurice mayra migdalia mirna nadia
    nayeli nestor noemi octavio orlando quentin ramona reggie reginald renee
    reynaldo rigoberto rocio rolando rosalinda shanice shaniqua shanna shawna sheena
    shonda silvia socorro tamara tamika tanisha tatiana terrell tomas tyrone tyrese ulises
    wanda yadira yvette yvonne zulema
""".split())
